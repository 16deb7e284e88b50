/* Trap scaffolding for the ISA tests: an M-mode handler that records mcause/mepc/mtval/mstatus in
   s8/s9/s10/tp and resumes at the address in s11, in M-mode with interrupts off. */
#define TRAP_SETUP               \
  li t0, -1;                     \
  csrw pmpaddr0, t0;             \
  li t0, 0x1f;                   \
  csrw pmpcfg0, t0;              \
  la t0, m_trap;                 \
  csrw mtvec, t0;                \
  j 99f;                         \
  .balign 4;                     \
m_trap:                          \
  csrr s8, mcause;               \
  csrr s9, mepc;                 \
  csrr s10, mtval;               \
  csrr tp, mstatus;              \
  csrw mepc, s11;                \
  li t6, 3 << 11;                \
  csrs mstatus, t6;              \
  li t6, 1 << 7;                 \
  csrc mstatus, t6;              \
  mret;                          \
99:

/* Run `insn...` expecting an exception with mcause `cause` and mtval `tval`, mepc = its pc. */
#define EXPECT_TRAP(code, cause, tval, insn...) \
  li TESTNUM, code;             \
  la s11, 98f;                  \
  li s8, -1;                    \
97: insn;                       \
  j fail;                       \
98: CHECK(code, s8, cause);     \
  la t5, 97b;                   \
  CHECKR(code, s9, t5);         \
  CHECK(code, s10, tval)

/* Same with mtval = the instruction's address. */
#define EXPECT_TRAP_PC(code, cause, insn...) \
  li TESTNUM, code;             \
  la s11, 98f;                  \
  li s8, -1;                    \
97: insn;                       \
  j fail;                       \
98: CHECK(code, s8, cause);     \
  la t5, 97b;                   \
  CHECKR(code, s9, t5);         \
  CHECKR(code, s10, t5)

/* Same, accepting either of two causes (AMOs: the spec's store/AMO cause, or QEMU 7.2's load
   cause, which it reports for AMO faults). */
#define EXPECT_TRAP2(code, cause, cause2, tval, insn...) \
  li TESTNUM, code;             \
  la s11, 98f;                  \
  li s8, -1;                    \
97: insn;                       \
  j fail;                       \
98: li t5, cause2;              \
  beq s8, t5, 96f;              \
  CHECK(code, s8, cause);       \
96: la t5, 97b;                 \
  CHECKR(code, s9, t5);         \
  CHECK(code, s10, tval)

/* Shared macros for the assembly ISA tests.
 * Result protocol (QEMU virt sifive_test at 0x100000): 0x5555 = pass,
 * (code << 16) | 0x3333 = fail; `code` (kept in gp while a check runs) says which check failed. */
#define UART0     0x10000000
#define TESTDEV   0x100000

#define TESTNUM gp

/* Compare register `r` with immediate `val`; on mismatch fail with `code`. Clobbers t6. */
#define CHECK(code, r, val) \
  li TESTNUM, code;         \
  li t6, val;               \
  bne r, t6, fail

/* Same, comparing two registers. */
#define CHECKR(code, r, r2) \
  li TESTNUM, code;         \
  bne r, r2, fail

/* rd = op(a, b) with register operands, then check. */
#define TEST_RR(code, op, res, a, b) \
  li a1, a; li a2, b; op a0, a1, a2; CHECK(code, a0, res)

/* rd = op(a, imm). */
#define TEST_RI(code, op, res, a, imm) \
  li a1, a; op a0, a1, imm; CHECK(code, a0, res)

/* Write a NUL-terminated string (label) to the UART. Clobbers t0-t2. */
#define PUTS(label) \
  la t0, label; call puts_t0

/* The common tail: pass/fail reporting and a puts routine. */
#define TEST_EPILOGUE                     \
pass:                                     \
  li t0, TESTDEV;                         \
  li t1, 0x5555;                          \
  sw t1, 0(t0);                           \
1: j 1b;                                  \
fail:                                     \
  li t0, TESTDEV;                         \
  slli t1, TESTNUM, 16;                   \
  li t2, 0x3333;                          \
  or t1, t1, t2;                          \
  sw t1, 0(t0);                           \
1: j 1b;                                  \
puts_t0:                                  \
  li t1, UART0;                           \
2: lbu t2, 0(t0);                         \
  beqz t2, 3f;                            \
  sb t2, 0(t1);                           \
  addi t0, t0, 1;                         \
  j 2b;                                   \
3: ret

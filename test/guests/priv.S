/* Privilege transitions and delegation: M->S and M->U with mret, S->U with sret, ecall from
   U/S/M, mstatus.MPP/SPP bookkeeping, CSR privilege checks (illegal with tval), sret/mret in
   the wrong mode, medeleg (exceptions to S, never from M), mideleg with stvec vectored,
   TSR/TVM/TW, mstatus.FS = Off, mcounteren/scounteren. */
#include "common.h"
#include "trap.h"

#define GO_U(label) la t0, label; csrw mepc, t0; li t0, 3 << 11; csrc mstatus, t0; mret
#define GO_S(label) la t0, label; csrw mepc, t0; li t0, 3 << 11; csrc mstatus, t0; li t0, 1 << 11; csrs mstatus, t0; mret
/* Expect the M handler to have been entered with `cause` from the instruction at `at`. */
#define MTRAP_WAS(code, cause, at) CHECK(code, s8, cause); la t5, at; CHECKR(code, s9, t5)
#define MPP_IS(code, v) srli t0, tp, 11; andi t0, t0, 3; CHECK(code, t0, v)

  .section .text.init
  .globl _start
_start:
  TRAP_SETUP
  PUTS(msg)
  la t0, s_trap
  csrw stvec, t0
  /* 1: ecall from U reaches M with cause 8, MPP = U */
  la s11, 1f
  GO_U(u_ecall)
1: MTRAP_WAS(1, 8, u_ecall)
  MPP_IS(2, 0)
  /* 2: ecall from S: cause 9, MPP = S */
  la s11, 1f
  GO_S(s_ecall)
1: MTRAP_WAS(3, 9, s_ecall)
  MPP_IS(4, 1)
  /* 3: CSR privilege: U reading mstatus / sstatus, S reading mstatus: illegal, tval = bits */
  la s11, 1f
  GO_U(u_csr_m)
1: MTRAP_WAS(5, 2, u_csr_m)
  CHECK(6, s10, 0x30002573)
  la s11, 1f
  GO_U(u_csr_s)
1: MTRAP_WAS(7, 2, u_csr_s)
  la s11, 1f
  GO_S(s_csr_m)
1: MTRAP_WAS(8, 2, s_csr_m)
  CHECK(9, s10, 0x30002573)
  la s11, 1f
  GO_S(s_csr_s)               /* reading sstatus in S is fine: it then ecalls */
1: CHECK(10, s8, 9)
  /* 4: sret in U, mret in S: illegal */
  la s11, 1f
  GO_U(u_sret)
1: MTRAP_WAS(11, 2, u_sret)
  CHECK(12, s10, 0x10200073)
  la s11, 1f
  GO_S(s_mret)
1: MTRAP_WAS(13, 2, s_mret)
  CHECK(14, s10, 0x30200073)
  /* 5: medeleg: U ecall and illegal instruction go to S; the S handler ecalls to M */
  li t0, (1 << 8) | (1 << 2)
  csrw medeleg, t0
  csrr t1, medeleg
  CHECKR(15, t0, t1)
  la s11, 1f
  GO_U(u_ecall)
1: MTRAP_WAS(16, 9, s_trap_ecall)
  CHECK(17, s5, 8)
  la t5, u_ecall
  CHECKR(18, s6, t5)
  andi t0, s2, 1 << 8         /* sstatus.SPP = U */
  CHECK(19, t0, 0)
  la s11, 1f
  GO_U(u_csr_m)
1: CHECK(20, s5, 2)
  la t5, u_csr_m
  CHECKR(21, s6, t5)
  CHECK(22, s4, 0x30002573)   /* stval = instruction bits */
  /* an illegal instruction in S with the delegation: S handles its own, SPP = S */
  la s11, 1f
  GO_S(s_csr_m)
1: CHECK(23, s5, 2)
  andi t0, s2, 1 << 8
  CHECK(24, t0, 1 << 8)
  /* ... but never from M: an illegal instruction in M stays in M */
  EXPECT_TRAP(25, 2, 0xffffffff, .word 0xffffffff)
  /* 6: sret from S to U: S sets up sepc/SPP; U ecall (delegated) comes back to S */
  la s11, 1f
  GO_S(s_to_u)
1: CHECK(26, s5, 8)
  la t5, u_ecall
  CHECKR(27, s6, t5)
  csrw medeleg, zero
  /* 7: mideleg: SSIP delegated, taken in S through stvec vectored (base + 4) */
  li t0, 1 << 1
  csrw mideleg, t0
  csrs mie, t0
  la t0, s_vtable
  ori t0, t0, 1
  csrw stvec, t0
  li t0, 1 << 1
  csrs mip, t0                /* pending, but S has SIE = 0 until s_enable_sie sets it */
  li s7, -1
  la s11, 1f
  GO_S(s_enable_sie)
1: CHECK(28, s7, 1)           /* entered through slot 1 */
  li t0, 0x8000000000000001
  CHECKR(29, s5, t0)
  la t5, s_after_sie
  CHECKR(30, s6, t5)          /* sepc = the instruction the interrupt preempted */
  li t0, 1 << 1
  csrc mip, t0
  csrc mie, t0
  csrw mideleg, zero
  la t0, s_trap
  csrw stvec, t0
  /* 8: TSR, TVM, TW */
  li t0, 1 << 22              /* TSR */
  csrs mstatus, t0
  la s11, 1f
  GO_S(s_sret)
1: MTRAP_WAS(31, 2, s_sret)
  li t0, 1 << 22
  csrc mstatus, t0
  li t0, 1 << 20              /* TVM */
  csrs mstatus, t0
  la s11, 1f
  GO_S(s_satp)
1: MTRAP_WAS(32, 2, s_satp)
  li t0, 1 << 20
  csrc mstatus, t0
  li t0, 1 << 21              /* TW */
  csrs mstatus, t0
  la s11, 1f
  GO_S(s_wfi)
1: MTRAP_WAS(33, 2, s_wfi)
  li t0, 1 << 21
  csrc mstatus, t0
  /* 9: FS = Off makes FP instructions and fcsr illegal */
  li t0, 3 << 13
  csrc mstatus, t0
  EXPECT_TRAP(34, 2, 0x02b57553, fadd.d fa0, fa0, fa1)
  EXPECT_TRAP(35, 2, 0x00302573, csrr a0, fcsr)
  li t0, 1 << 13
  csrs mstatus, t0
  fadd.d fa0, fa0, fa1        /* legal again; FS becomes Dirty, SD set */
  csrr t0, mstatus
  srli t1, t0, 13
  andi t1, t1, 3
  CHECK(36, t1, 3)
  srli t1, t0, 63
  CHECK(37, t1, 1)
  /* 10: counter enables */
  csrw mcounteren, zero
  la s11, 1f
  GO_S(s_cycle)
1: MTRAP_WAS(38, 2, s_cycle)
  li t0, 7
  csrw mcounteren, t0
  la s11, 1f
  GO_S(s_cycle)
1: CHECK(39, s8, 9)           /* read fine, then ecall */
  csrw scounteren, zero
  la s11, 1f
  GO_U(u_instret)
1: MTRAP_WAS(40, 2, u_instret)
  li t0, 7
  csrw scounteren, t0
  la s11, 1f
  GO_U(u_instret)
1: CHECK(41, s8, 8)
  j pass
  TEST_EPILOGUE

/* ---- code run in lower modes ---- */
u_ecall: ecall
  j fail
s_ecall: ecall
  j fail
u_csr_m: csrr a0, mstatus
  j fail
u_csr_s: csrr a0, sstatus
  j fail
s_csr_m: csrr a0, mstatus
  j fail
s_csr_s: csrr a0, sstatus
  ecall
u_sret: sret
  j fail
s_mret: mret
  j fail
s_to_u:
  li t0, 1 << 8
  csrc sstatus, t0
  la t0, u_ecall
  csrw sepc, t0
  sret
s_enable_sie:
  li t0, 1 << 1
  csrs sie, t0
  csrsi sstatus, 2            /* SIE: the pending SSIP is taken right after this */
s_after_sie:
  nop
  j fail
s_sret: sret
  j fail
s_satp: csrr a0, satp
  j fail
s_wfi: wfi
  j fail
s_cycle: rdcycle a0
  ecall
u_instret: rdinstret a0
  ecall

/* S-mode trap handler: record scause/sepc/stval/sstatus, then report to M with an ecall. */
  .balign 4
s_trap:
  csrr s5, scause
  csrr s6, sepc
  csrr s4, stval
  csrr s2, sstatus
s_trap_ecall:
  ecall
  j fail
  .balign 4
s_vtable:
  .option push
  .option norvc
  j s_vec0
  j s_vec1
  .option pop
s_vec0: li s7, 0
  j s_trap
s_vec1: li s7, 1
  j s_trap

  .section .rodata
msg: .asciz "priv\n"

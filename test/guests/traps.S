/* Every exception cause that can be raised from M-mode, with mcause, mepc and mtval checked:
   illegal instruction (tval = the instruction bits, 16- and 32-bit), breakpoint (ebreak and
   c.ebreak), load/store/AMO misaligned, load/store/fetch access faults (tval = the address),
   ecall from M; and mtvec in vectored mode (exceptions at base, interrupts at base + 4*cause). */
#include "common.h"
#include "trap.h"
  .section .text.init
  .globl _start
_start:
  TRAP_SETUP
  PUTS(msg)
  /* illegal: all-zero 16-bit, all-ones 32-bit, unknown CSR, write to a read-only CSR */
  EXPECT_TRAP(1, 2, 0x0000, .half 0)
  EXPECT_TRAP(2, 2, 0xffffffff, .word 0xffffffff)
  EXPECT_TRAP(3, 2, 0x7ff02573, csrr a0, 0x7ff)
  EXPECT_TRAP(4, 2, 0xf1151073, csrw mvendorid, a0)
  /* breakpoints: QEMU 7.2 sets tval = 0 */
  EXPECT_TRAP(6, 3, 0, ebreak)
  EXPECT_TRAP(7, 3, 0, c.ebreak)
  /* ecall from M: tval 0 */
  EXPECT_TRAP(8, 11, 0, ecall)
  /* misaligned plain loads/stores are done by QEMU without a trap; AMOs and LR trap with
     the address in tval */
  la a1, mis
  li a0, 0x1122334455667788
  sd a0, 1(a1)
  ld a2, 1(a1)
  CHECKR(9, a2, a0)
  lw a2, 3(a1)
  CHECK(10, a2, 0x33445566)
  li a1, 0x80001001
  /* AMO misaligned: the spec says cause 6; QEMU 7.2 reports 4 (load misaligned) */
  EXPECT_TRAP2(11, 6, 4, 0x80001001, amoadd.w a0, a0, (a1))
  EXPECT_TRAP(12, 4, 0x80001001, lr.d a0, (a1))
  /* access faults: nothing at physical address 0 */
  li a1, 0
  EXPECT_TRAP(13, 5, 0, ld a0, 0(a1))
  EXPECT_TRAP(14, 7, 0, sw a0, 0(a1))
  li a1, 0x90000000        /* beyond 128 MiB of RAM */
  EXPECT_TRAP(15, 5, 0x90000000, lb a0, 0(a1))
  EXPECT_TRAP2(16, 7, 5, 0x90000000, amoswap.d a0, a0, (a1))
  /* instruction access fault: jump to 0; mepc = tval = 0 */
  li TESTNUM, 17
  la s11, 1f
  li a1, 0
  jr a1
1: CHECK(17, s8, 1)
  CHECK(18, s9, 0)
  CHECK(19, s10, 0)
  /* mtvec vectored: an exception still goes to the base */
  la t0, vtable
  ori t0, t0, 1
  csrw mtvec, t0
  EXPECT_TRAP(20, 11, 0, ecall)
  /* ... and machine software interrupt (cause 3) goes to base + 12 */
  li s8, 0
  la s11, 1f
  li t0, 1 << 3
  csrs mie, t0
  li t1, 0x2000000          /* CLINT msip for hart 0 */
  li t2, 1
  sw t2, 0(t1)
  csrsi mstatus, 8          /* MIE: the interrupt is taken now */
  nop
  j fail
1: li t1, 0x2000000
  sw zero, 0(t1)
  li t0, 0x8000000000000003
  CHECKR(21, s8, t0)
  CHECK(22, s7, 3)          /* entered through slot 3 */
  /* and supervisor software interrupt (cause 1, set through mip.SSIP) at base + 4 */
  li s8, 0
  la s11, 1f
  li t0, 1 << 1
  csrs mie, t0
  csrs mip, t0
  csrsi mstatus, 8
  nop
  j fail
1: li t0, 1 << 1
  csrc mip, t0
  li t0, 0x8000000000000001
  CHECKR(23, s8, t0)
  CHECK(24, s7, 1)
  /* mstatus after the handler's mret: MPP = U (least privileged), MPIE = 1, MIE = MPIE (0,
     the handler cleared MPIE) */
  csrr t0, mstatus
  srli t1, t0, 11
  andi t1, t1, 3
  CHECK(25, t1, 0)
  srli t1, t0, 7
  andi t1, t1, 1
  CHECK(26, t1, 1)
  andi t1, t0, 8
  CHECK(27, t1, 0)
  j pass
  TEST_EPILOGUE

  .balign 4
vtable:
  .option push
  .option norvc             /* 4-byte slots */
  j vec0
  j vec1
  j fail
  j vec3
  .option pop
vec0: li s7, 0
  j m_trap
vec1: li s7, 1
  j m_trap
vec3: li s7, 3
  j m_trap

  .section .rodata
msg: .asciz "traps\n"
  .section .data
  .align 4
mis: .dword 0, 0

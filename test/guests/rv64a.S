/* RV64A: LR/SC success and failure (reservation lost on SC, on a second SC, on an SC to a
   different address, and, as on QEMU 7.2, on a trap and on an mret), every AMO in .W
   (sign-extended old value) and .D forms. */
#include "common.h"
#define AMO(code, op, init, src, old, new) \
  la s0, mem; li a1, init; sd a1, 0(s0); li a2, src; \
  op a0, a2, (s0); CHECK(code, a0, old); ld a3, 0(s0); CHECK(code, a3, new)
  .section .text.init
  .globl _start
_start:
  PUTS(msg)
  AMO(1, amoswap.d, 0x1111, 0x2222, 0x1111, 0x2222)
  AMO(2, amoadd.d, -1, 1, -1, 0)
  AMO(3, amoand.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00)
  AMO(4, amoor.d, 0xf0, 0x0f, 0xf0, 0xff)
  AMO(5, amoxor.d, 0xff, 0x0f, 0xff, 0xf0)
  AMO(6, amomin.d, -5, 3, -5, -5)
  AMO(7, amomax.d, -5, 3, -5, 3)
  AMO(8, amominu.d, -5, 3, -5, 3)
  AMO(9, amomaxu.d, -5, 3, -5, -5)
  /* .W: the old value is sign-extended; the upper word of memory is untouched */
  AMO(10, amoswap.w, 0x1234567880000000, 0x7fffffff, 0xffffffff80000000, 0x123456787fffffff)
  AMO(11, amoadd.w, 0xaaaaaaaa7fffffff, 1, 0x7fffffff, 0xaaaaaaaa80000000)
  AMO(12, amoand.w, 0xffffffffffffffff, 0x0f0f0f0f, -1, 0xffffffff0f0f0f0f)
  AMO(13, amoor.w, 0, 0x80000000, 0, 0x80000000)
  AMO(14, amoxor.w, 0x00000000ffffffff, 0xffffffff, 0xffffffffffffffff, 0)
  AMO(15, amomin.w, 0x80000000, 1, 0xffffffff80000000, 0x80000000)
  AMO(16, amomax.w, 0x80000000, 1, 0xffffffff80000000, 1)
  AMO(17, amominu.w, 0x80000000, 1, 0xffffffff80000000, 1)
  AMO(18, amomaxu.w, 0x80000000, 1, 0xffffffff80000000, 0x80000000)
  /* rd == x0 still writes memory */
  la s0, mem; li a1, 5; sd a1, 0(s0); li a2, 7
  amoadd.d x0, a2, (s0)
  ld a3, 0(s0); CHECK(19, a3, 12)
  /* LR/SC success */
  la s0, mem; li a1, 100; sd a1, 0(s0)
  lr.d a0, (s0)
  CHECK(20, a0, 100)
  addi a0, a0, 1
  sc.d a1, a0, (s0)
  CHECK(21, a1, 0)
  ld a2, 0(s0); CHECK(22, a2, 101)
  /* a second SC without LR fails and does not write */
  li a0, 555
  sc.d a1, a0, (s0)
  CHECK(23, a1, 1)
  ld a2, 0(s0); CHECK(24, a2, 101)
  /* LR.W sign-extends; SC.W stores 32 bits */
  li a1, 0x80000001; sw a1, 8(s0)
  addi s1, s0, 8
  lr.w a0, (s1)
  CHECK(25, a0, 0xffffffff80000001)
  li a0, 0x7777
  sc.w a1, a0, (s1)
  CHECK(26, a1, 0)
  lw a2, 8(s0); CHECK(27, a2, 0x7777)
  /* a CAS loop using lr/sc with aq/rl */
  li s2, 0
1: lr.d.aq a0, (s0)
  addi a0, a0, 2
  sc.d.rl a1, a0, (s0)
  bnez a1, 1b
  addi s2, s2, 1
  li t0, 10
  blt s2, t0, 1b
  ld a2, 0(s0); CHECK(28, a2, 121)
  /* a trap between lr and sc loses the reservation (sc in the handler fails) */
  la t0, sc_in_trap; csrw mtvec, t0
  lr.d a0, (s0)
  ecall
after_trap:
  CHECK(29, a1, 1)
  /* so does an mret (QEMU 7.2 clears it on every trap entry and xRET) */
  lr.d a0, (s0)
  la t0, 1f; csrw mepc, t0; li t0, 3 << 11; csrs mstatus, t0
  mret
1: sc.d a1, a0, (s0)
  CHECK(30, a1, 1)
  j pass
  .balign 4
sc_in_trap:
  sc.d a1, a0, (s0)
  j after_trap
  TEST_EPILOGUE
  .section .rodata
msg: .asciz "rv64a\n"
  .section .data
  .align 4
mem: .dword 0, 0, 0, 0

/* RV64C: every RV64C encoding, written with explicit c.* mnemonics, with edge immediates
   (c.lui negative, c.addi16sp, c.srai sign fill, c.addiw sign extension, c.jalr link). */
#include "common.h"
  .section .text.init
  .globl _start
_start:
  PUTS(msg)
  li t0, 1 << 13            /* mstatus.FS = Initial so c.fld/c.fsd work */
  csrs mstatus, t0
  la sp, stack_top
  .option push
  .option rvc
  c.li a0, -32
  CHECK(1, a0, -32)
  c.li a1, 31
  c.addi a1, -1
  CHECK(2, a1, 30)
  c.lui a2, 0xfffe0          /* nzimm -32 << 12 */
  CHECK(3, a2, 0xfffffffffffe0000)
  c.lui a3, 1
  CHECK(4, a3, 0x1000)
  li a0, 0x7fffffff
  c.addiw a0, 1
  CHECK(5, a0, 0xffffffff80000000)
  li a0, 0x123456789
  c.addiw a0, 0              /* sext.w */
  CHECK(6, a0, 0x23456789)
  mv s0, sp
  c.addi16sp sp, -64
  addi s1, s0, -64
  CHECKR(7, sp, s1)
  c.addi4spn a5, sp, 16
  addi s1, sp, 16
  CHECKR(8, a5, s1)
  c.addi16sp sp, 64
  li a0, 0x8000000000000000
  c.srai a0, 63
  CHECK(9, a0, -1)
  li a0, 0x8000000000000000
  c.srli a0, 63
  CHECK(10, a0, 1)
  li a0, -1
  c.andi a0, -32
  CHECK(11, a0, -32)
  li a0, 1
  c.slli a0, 63
  CHECK(12, a0, 0x8000000000000000)
  li a0, 10; li a1, 3
  c.sub a0, a1
  CHECK(13, a0, 7)
  li a0, 0xf0; li a1, 0xff
  c.xor a0, a1
  CHECK(14, a0, 0x0f)
  li a0, 0xf0; li a1, 0x0f
  c.or a0, a1
  CHECK(15, a0, 0xff)
  li a0, 0xf0; li a1, 0x3c
  c.and a0, a1
  CHECK(16, a0, 0x30)
  li a0, 0x80000000; li a1, 1
  c.subw a0, a1
  CHECK(17, a0, 0x7fffffff)
  li a0, 0x7fffffff; li a1, 1
  c.addw a0, a1
  CHECK(18, a0, 0xffffffff80000000)
  li a0, 5
  c.mv a1, a0
  CHECK(19, a1, 5)
  li a1, 6
  c.add a1, a0
  CHECK(20, a1, 11)
  c.nop
  /* loads and stores, register based */
  la s0, buf
  li a0, 0x8877665544332211
  c.sd a0, 8(s0)
  c.ld a1, 8(s0)
  CHECK(21, a1, 0x8877665544332211)
  c.lw a2, 12(s0)
  CHECK(22, a2, 0xffffffff88776655)
  li a3, 0xdeadbeef
  c.sw a3, 0(s0)
  lwu a4, 0(s0)
  CHECK(23, a4, 0xdeadbeef)
  /* sp based */
  c.sdsp a0, 8(sp)
  c.ldsp a1, 8(sp)
  CHECK(24, a1, 0x8877665544332211)
  c.swsp a3, 4(sp)
  c.lwsp a2, 4(sp)
  CHECK(25, a2, 0xffffffffdeadbeef)
  /* FP loads/stores */
  c.fld fa0, 8(s0)
  c.fsd fa0, 16(s0)
  ld a1, 16(s0)
  CHECK(26, a1, 0x8877665544332211)
  c.fsdsp fa0, 24(sp)
  c.fldsp fa1, 24(sp)
  fmv.x.d a1, fa1
  CHECK(27, a1, 0x8877665544332211)
  /* control flow */
  li TESTNUM, 28
  c.j 1f
  j fail
1: li a0, 0
  c.beqz a0, 1f
  j fail
1: c.bnez a0, fail_far
  li a0, 1
  c.bnez a0, 1f
  j fail
1: la a1, 2f
  c.jr a1
  j fail
2: la a1, 3f
  c.jalr a1               /* ra = address of the next (2-byte) instruction */
4: j fail
3: la a2, 4b
  CHECKR(29, ra, a2)
  /* a 4-byte instruction at a 2-byte aligned address */
  .balign 4
  c.nop
  addi a0, zero, 123
  CHECK(30, a0, 123)
  .option pop
  j pass
fail_far:
  j fail
  TEST_EPILOGUE
  .section .rodata
msg: .asciz "rv64c\n"
  .section .data
  .align 4
buf: .dword 0, 0, 0, 0
  .section .bss
  .align 4
  .space 4096
stack_top:

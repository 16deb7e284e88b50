/* RV64I: every integer computational, load/store, branch and jump class, with edge values
   (overflow wrap, shifts by 0/31/32/63, sign extension of the W forms, unsigned compares). */
#include "common.h"
  .section .text.init
  .globl _start
_start:
  PUTS(msg)
  /* ADD/SUB/ADDI wrap at 64 bits */
  TEST_RR(1, add, 0x8000000000000000, 0x7fffffffffffffff, 1)
  TEST_RR(2, add, 0, -1, 1)
  TEST_RR(3, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
  TEST_RI(4, addi, -2049, -1, -2048)
  TEST_RI(5, addi, 0x80000000000007fe, 0x7fffffffffffffff, 0x7ff)
  /* ADDW/SUBW/ADDIW sign-extend bit 31 */
  TEST_RR(6, addw, 0xffffffff80000000, 0x7fffffff, 1)
  TEST_RR(7, addw, 0, 0xffffffff, 1)
  TEST_RR(8, subw, 0x7fffffff, 0x80000000, 1)
  TEST_RI(9, addiw, 0xffffffff80000000, 0x7fffffff, 1)
  TEST_RI(10, addiw, 0x12345678, 0xabcdef0012345678, 0)   /* sext.w */
  TEST_RI(11, addiw, 0xfffffffff2345678, 0x00000000f2345678, 0)
  /* logic */
  TEST_RR(12, and, 0x0f0f000000000f0f, 0xff0f00f0f0f00fff, 0x0f0ff00f0f0fff0f)
  TEST_RR(13, or, 0x0ffff0ffffffffff, 0x0f0f00f0f0f00fff, 0x00fff00f0f0fff0f)
  TEST_RR(14, xor, 0xfffffffffffffffe, -1, 1)
  TEST_RI(15, andi, 0xffffffffffffff00, -1, -256)
  TEST_RI(16, ori, -1, 0, -1)
  TEST_RI(17, xori, 0x123456789abcdfdc, 0x123456789abcdf23, 0x0ff)
  /* shifts: 64-bit use 6 bits, W forms use 5 bits and sign-extend */
  TEST_RR(18, sll, 0x8000000000000000, 1, 63)
  TEST_RR(19, sll, 2, 1, 65)
  TEST_RR(20, srl, 1, 0x8000000000000000, 63)
  TEST_RR(21, sra, -1, 0x8000000000000000, 63)
  TEST_RR(22, sra, 0xc000000000000000, 0x8000000000000000, 1)
  TEST_RI(23, slli, 0x8000000000000000, 1, 63)
  TEST_RI(24, srli, 0x00000000ffffffff, -1, 32)
  TEST_RI(25, srai, 0xffffffff80000000, 0x8000000000000000, 32)
  TEST_RI(26, srai, 0x7fffffffffffffff, 0x7fffffffffffffff, 0)
  TEST_RR(27, sllw, 0xffffffff80000000, 1, 31)
  TEST_RR(28, sllw, 1, 1, 32)
  TEST_RR(29, srlw, 1, 0x80000000, 31)
  TEST_RR(30, srlw, 0x7fffffff, 0xffffffffffffffff, 1)
  TEST_RR(31, sraw, -1, 0x80000000, 31)
  TEST_RR(32, sraw, 0xffffffffc0000000, 0x0000000080000000, 1)
  TEST_RI(33, slliw, 0xffffffff80000000, 0x1, 31)
  TEST_RI(34, srliw, 0xffffffffffffffff, 0xffffffffffffffff, 0)
  TEST_RI(35, sraiw, 0xffffffffffffffff, 0x80000000, 31)
  TEST_RI(36, srliw, 0x1, 0x1234567880000000, 31)
  /* compares */
  TEST_RR(37, slt, 1, -1, 0)
  TEST_RR(38, sltu, 0, -1, 0)
  TEST_RR(39, slt, 0, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_RR(40, sltu, 1, 0x7fffffffffffffff, 0x8000000000000000)
  TEST_RI(41, slti, 1, -5, -4)
  TEST_RI(42, sltiu, 1, 5, -1)          /* imm sign-extended, then compared unsigned */
  TEST_RI(43, sltiu, 0, -1, -2048)
  /* LUI / AUIPC */
  li TESTNUM, 44
  lui a0, 0x80000
  li t6, 0xffffffff80000000
  bne a0, t6, fail
  li TESTNUM, 45
1: auipc a0, 0
  la a1, 1b
  bne a0, a1, fail
  li TESTNUM, 46
2: auipc a0, 0x80000           /* pc + sext(0x80000000) */
  la a1, 2b
  li t6, 0xffffffff80000000
  add a1, a1, t6
  bne a0, a1, fail
  /* loads with sign/zero extension */
  la s0, data
  li TESTNUM, 47
  lb a0, 7(s0);  CHECK(47, a0, 0xffffffffffffff88)
  lbu a0, 7(s0); CHECK(48, a0, 0x88)
  lh a0, 6(s0);  CHECK(49, a0, 0xffffffffffff8877)
  lhu a0, 6(s0); CHECK(50, a0, 0x8877)
  lw a0, 4(s0);  CHECK(51, a0, 0xffffffff88776655)
  lwu a0, 4(s0); CHECK(52, a0, 0x88776655)
  ld a0, 0(s0);  CHECK(53, a0, 0x8877665544332211)
  lb a0, 0(s0);  CHECK(54, a0, 0x11)
  lw a0, -4(s0); CHECK(55, a0, 0x7eadbeef)
  /* stores of each width, little-endian */
  la s1, scratch
  li a0, 0x0102030405060708
  sd a0, 0(s1)
  li a1, -1
  sb a1, 1(s1)
  sh a1, 4(s1)
  ld a2, 0(s1);  CHECK(56, a2, 0x0102ffff0506ff08)
  li a1, 0xaabbccdd
  sw a1, 0(s1)
  ld a2, 0(s1);  CHECK(57, a2, 0x0102ffffaabbccdd)
  sd zero, 8(s1)
  sw a1, 12(s1)
  ld a2, 8(s1);  CHECK(58, a2, 0xaabbccdd00000000)
  /* x0 stays zero */
  li x0, 5
  addi x0, x0, 1
  CHECK(59, x0, 0)
  /* branches: taken and not taken, signed and unsigned */
  li a0, -1
  li a1, 1
  li TESTNUM, 60
  blt a1, a0, fail
  bge a0, a1, fail
  bltu a0, a1, fail
  bgeu a1, a0, fail
  beq a0, a1, fail
  bne a0, a0, fail
  li TESTNUM, 61
  blt a0, a1, 1f
  j fail
1: bgeu a0, a1, 1f
  j fail
1: bge a0, a0, 1f
  j fail
1: beq a1, a1, 1f
  j fail
1: bltu a1, a0, 1f
  j fail
1:
  /* JAL / JALR: link value and jalr clears bit 0 */
  li TESTNUM, 62
  jal ra, 1f
3: j fail
1: la a0, 3b
  bne ra, a0, fail
  li TESTNUM, 63
  la a0, 4f
  addi a0, a0, 1          /* odd target: bit 0 is cleared */
  jalr t0, 0(a0)
5: j fail
4: la a1, 5b
  bne t0, a1, fail
  li TESTNUM, 64
  la a0, 6f
  jalr a0, 0(a0)          /* rd == rs1: target read before the link is written */
7: j fail
6: la a1, 7b
  bne a0, a1, fail
  /* fence / fence.i are accepted */
  fence
  fence rw, rw
  fence.i
  /* a loop: sum 1..100 */
  li a0, 0
  li a1, 100
1: add a0, a0, a1
  addi a1, a1, -1
  bnez a1, 1b
  CHECK(65, a0, 5050)
  j pass
  TEST_EPILOGUE

  .section .rodata
msg: .asciz "rv64i\n"
  .section .data
  .align 3
  .word 0x7eadbeef
data: .dword 0x8877665544332211
scratch: .dword 0, 0

/* RV64M: multiply high parts (signed/unsigned/mixed), division and remainder including
   division by zero and the signed overflow case, and the W forms' sign extension. */
#include "common.h"
#define MIN 0x8000000000000000
  .section .text.init
  .globl _start
_start:
  PUTS(msg)
  TEST_RR(1, mul, 0x0000000000000001, -1, -1)
  TEST_RR(2, mul, 0x8000000000000000, MIN, -1)
  TEST_RR(3, mul, 0x2236d88fe5618cf0, 0x0123456789abcdef, 0xfedcba9876543210)
  TEST_RR(4, mulh, 0xffffffffffffffff, -1, 1)
  TEST_RR(5, mulh, 0x4000000000000000, MIN, MIN)
  TEST_RR(6, mulhu, 0xfffffffffffffffe, -1, -1)
  TEST_RR(7, mulhu, 0x0000000000000000, -1, 1)
  TEST_RR(8, mulhsu, 0xffffffffffffffff, -1, -1)
  TEST_RR(9, mulhsu, 0xc000000000000000, MIN, MIN)
  TEST_RR(10, mulh, 0x00014b66dc33f6ac, 0x0123456789abcdef, 0x0123456789abcdef)
  TEST_RR(11, mulw, 0x0000000000000001, -1, -1)
  TEST_RR(12, mulw, 0xffffffff80000000, 0x40000000, 2)
  TEST_RR(13, mulw, 0, 0x100000000, 0x100000000)
  /* division */
  TEST_RR(14, div, -3, 20, -6)
  TEST_RR(15, div, -3, -20, 6)
  TEST_RR(16, rem, 2, 20, -6)
  TEST_RR(17, rem, -2, -20, 6)
  TEST_RR(18, divu, 0x2aaaaaaaaaaaaaa7, -20, 6)
  TEST_RR(19, remu, 2, -20, 6)
  TEST_RR(20, div, -1, 5, 0)            /* divide by zero: all ones */
  TEST_RR(21, divu, -1, 5, 0)
  TEST_RR(22, rem, 5, 5, 0)             /* remainder by zero: the dividend */
  TEST_RR(23, remu, -5, -5, 0)
  TEST_RR(24, div, MIN, MIN, -1)        /* overflow: quotient = dividend */
  TEST_RR(25, rem, 0, MIN, -1)          /* overflow: remainder 0 */
  /* W forms operate on the low 32 bits and sign-extend */
  TEST_RR(26, divw, -3, 20, -6)
  TEST_RR(27, divw, 0xffffffff80000000, 0x80000000, -1)
  TEST_RR(28, remw, 0, 0x80000000, -1)
  TEST_RR(29, divw, -1, 5, 0)
  TEST_RR(30, divuw, -1, 5, 0)
  TEST_RR(31, remw, 5, 0x1234567800000005, 0)
  TEST_RR(32, remuw, 0xfffffffffffffffb, -5, 0)
  TEST_RR(33, divuw, 0x0000000000000001, 0xffffffff, 0xffffffff)
  TEST_RR(34, divuw, 0x000000007fffffff, 0xfffffffe, 2)
  TEST_RR(35, divuw, 0xffffffffffffffff, 0xffffffff, 1)
  TEST_RR(36, remuw, 1, 0x00000000fffffff1, 0x10)
  TEST_RR(37, divw, 1, 0x1200000007, 7)
  /* rd aliasing a source */
  li a0, 7; li a1, 6
  mul a0, a0, a1
  CHECK(38, a0, 42)
  j pass
  TEST_EPILOGUE
  .section .rodata
msg: .asciz "rv64m\n"

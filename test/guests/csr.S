/* Zicsr and the counters: read/write/set/clear in register and immediate forms (old value
   returned, rs1 = x0 / uimm = 0 do not write, rd = x0 still writes), read-only CSRs readable
   but not writable, sstatus/sie/sip as views of mstatus/mie/mip, misa, mhartid, fcsr =
   frm:fflags aliasing, mcycle/minstret writable and counting, time following the CLINT. */
#include "common.h"
#include "trap.h"
  .section .text.init
  .globl _start
_start:
  TRAP_SETUP
  PUTS(msg)
  li a0, 0x1122334455667788
  csrw mscratch, a0
  li a1, -1
  csrrw a2, mscratch, a1
  CHECKR(1, a2, a0)
  csrr a3, mscratch
  CHECK(2, a3, -1)
  li a1, 0xff
  csrrc a2, mscratch, a1
  CHECK(3, a2, -1)
  csrr a3, mscratch
  CHECK(4, a3, 0xffffffffffffff00)
  li a1, 0x0f
  csrrs a2, mscratch, a1
  csrr a3, mscratch
  CHECK(5, a3, 0xffffffffffffff0f)
  csrrwi a2, mscratch, 0x1f
  CHECK(6, a2, 0xffffffffffffff0f)
  csrr a3, mscratch
  CHECK(7, a3, 0x1f)
  csrrsi a2, mscratch, 0x10
  csrrci a2, mscratch, 0x3
  CHECK(8, a2, 0x1f)
  csrr a3, mscratch
  CHECK(9, a3, 0x1c)
  csrrw x0, mscratch, a0        /* rd = x0 still writes */
  csrr a3, mscratch
  CHECKR(10, a3, a0)
  /* read-only CSRs: reading (also csrrs/csrrc with x0 / uimm 0) is fine, writing is illegal */
  csrr a0, mhartid
  CHECK(11, a0, 0)
  csrrs a0, mvendorid, x0
  csrrci a0, marchid, 0
  csrr a0, mimpid
  EXPECT_TRAP(12, 2, 0xf1459073, csrw mhartid, a1)
  li a1, 1                      /* (QEMU 7.2 lets rs1 != x0 holding 0 through; not tested) */
  EXPECT_TRAP(32, 2, 0xf115a573, csrrs a0, mvendorid, a1)
  /* misa: RV64 with I, M, A, F, D, C, S, U */
  csrr a0, misa
  srli a1, a0, 62
  CHECK(13, a1, 2)
  li t0, (1 << 8) | (1 << 12) | (1 << 0) | (1 << 5) | (1 << 3) | (1 << 2) | (1 << 18) | (1 << 20)
  and a1, a0, t0
  CHECKR(14, a1, t0)
  /* sstatus is a view of mstatus */
  csrsi sstatus, 2
  csrr a0, mstatus
  andi a0, a0, 2
  CHECK(15, a0, 2)
  csrci mstatus, 2
  csrr a0, sstatus
  andi a0, a0, 2
  CHECK(16, a0, 0)
  li t0, 3 << 11                /* MPP is not visible in sstatus */
  csrs mstatus, t0
  csrr a0, sstatus
  and a0, a0, t0
  CHECK(17, a0, 0)
  /* sie follows mie for delegated interrupts */
  li t0, 0x222
  csrw mideleg, t0
  csrw sie, t0
  csrr a0, mie
  CHECK(18, a0, 0x222)
  csrr a0, sie
  CHECK(19, a0, 0x222)
  csrw sie, zero
  csrr a0, mie
  CHECK(20, a0, 0)
  li t0, 2
  csrs mip, t0                  /* SSIP through mip, seen in sip */
  csrr a0, sip
  andi a0, a0, 2
  CHECK(21, a0, 2)
  csrc sip, t0
  csrr a0, mip
  andi a0, a0, 2
  CHECK(22, a0, 0)
  csrw mideleg, zero
  /* fcsr = frm << 5 | fflags */
  li t0, 1 << 13
  csrs mstatus, t0
  li a0, 0xff
  csrw fcsr, a0
  csrr a1, frm
  CHECK(23, a1, 7)
  csrr a1, fflags
  CHECK(24, a1, 0x1f)
  csrwi frm, 2
  csrr a1, fcsr
  CHECK(25, a1, 0x5f)
  li a0, 0x3ff
  csrw fcsr, a0
  csrr a1, fcsr
  CHECK(26, a1, 0xff)
  csrwi fflags, 0
  csrr a1, fcsr
  CHECK(27, a1, 0xe0)
  /* counters: mcycle/minstret writable and moving forward; time from the CLINT */
  li a0, 1000000
  csrw minstret, a0
  csrr a1, minstret
  bltu a1, a0, fail_28
  li a0, 5000000
  csrw mcycle, a0
  csrr a1, mcycle
  li TESTNUM, 29
  bltu a1, a0, fail
  rdinstret a2
  nop
  nop
  rdinstret a3
  li TESTNUM, 30
  bgeu a2, a3, fail             /* instret advances */
  rdtime a2
  li t0, 0x200bff8
  ld a3, 0(t0)
  li TESTNUM, 31
  bltu a3, a2, fail             /* mtime read later is not earlier than time */
  j pass
fail_28:
  li TESTNUM, 28
  j fail
  TEST_EPILOGUE
  .section .rodata
msg: .asciz "csr\n"

/* Sdtrig debug triggers as QEMU 7.2's virt hart has them (every expected value measured there):
   2 triggers, tselect/tinfo/tdata1-3 reset values and WARL rules (types 2 and 6 only, dmode,
   match, chain, action, timing, select, hit read 0, sizes any/1/2/4/8 kept), execute/load/store
   matches (before the instruction or access, tval 0, the covered range QEMU's), the U/S/M mode
   bits (current privilege; MPRV does not count), delegation to S, priority against fetch, page
   and access faults and misaligned AMOs, LR/SC/AMO/FP accesses, two triggers at once, and
   triggers in hot loops that the block compiler has compiled; no tcontrol/mcontext/scontext,
   and the trigger CSRs are M-mode only. */
#include "common.h"
#include "trap.h"

#define T2 0x2000000000000000
#define T6 0x6000000000000000
#define MB 0x40
#define SB 0x10
#define UB 0x08
#define EX 4
#define ST 2
#define LD 1
#define GO_S(label) la t0, label; csrw mepc, t0; li t0, 3 << 11; csrc mstatus, t0; li t0, 1 << 11; csrs mstatus, t0; mret
#define GO_U(label) la t0, label; csrw mepc, t0; li t0, 3 << 11; csrc mstatus, t0; mret
/* tdata1 of the selected trigger must read `val`. */
#define TDATA1_IS(code, val) csrr a0, tdata1; CHECK(code, a0, val)
/* Write tdata1 = w, expect it to read back as r. */
#define WARL(code, w, r) li t0, w; csrw tdata1, t0; TDATA1_IS(code, r)
/* Run `insn...` expecting a breakpoint at it (mepc = its pc, mtval 0) or no trap at all. */
#define FIRES(code, insn...) EXPECT_TRAP(code, 3, 0, insn)
#define QUIET(code, insn...) li TESTNUM, code; la s11, 98f; li s8, -1; insn; 98: CHECK(code, s8, -1)
#define ARM(w) li t0, w; csrw tdata1, t0
#define DISARM li t0, T2; csrw tdata1, t0

  .section .text.init
  .globl _start
_start:
  TRAP_SETUP
  PUTS(msg)
  la s1, dat
  addi s2, s1, 8
  /* 1-5: reset values (a hart without these CSRs traps to fail with check 1) */
  li TESTNUM, 1
  la s11, fail
  csrr a0, tselect; CHECK(1, a0, 0)
  csrr a0, tinfo;   CHECK(2, a0, 0x44)
  TDATA1_IS(3, T2)
  csrr a0, tdata2;  CHECK(4, a0, 0)
  csrr a0, tdata3;  CHECK(5, a0, 0)
  /* 6-9: tselect takes 0 and 1 only; trigger 1 resets as trigger 0 */
  li t0, 1; csrw tselect, t0; csrr a0, tselect; CHECK(6, a0, 1)
  TDATA1_IS(7, T2)
  li t0, 2; csrw tselect, t0; csrr a0, tselect; CHECK(8, a0, 1)
  li t0, -1; csrw tselect, t0; csrr a0, tselect; CHECK(9, a0, 1)
  csrw tselect, zero
  /* 10-20: tdata1 WARL; tdata2 holds any value; tdata3 and tinfo ignore writes */
  WARL(10, 0x2fffffffffffffff, 0x200000000000005f)
  WARL(11, 0x6fffffffffffffff, 0x600000000180005f)
  WARL(12, 0x3fffffffffffffff, 0x600000000180005f)   /* type 3 (icount): ignored */
  WARL(13, 0x0000000000000044, 0x600000000180005f)   /* type 0: ignored */
  WARL(14, 0xf000000000000044, 0x600000000180005f)   /* type 15: ignored */
  WARL(15, T2 | (1 << 21) | (3 << 16) | MB, T2 | MB)  /* size code 7: reads as any */
  WARL(16, T2 | (1 << 21) | MB, T2 | MB)              /* 6 bytes: unsupported */
  WARL(17, T2 | (1 << 21) | (1 << 16) | MB, T2 | (1 << 21) | (1 << 16) | MB)  /* 8 bytes */
  WARL(18, T2 | (1 << 20) | (1 << 19) | (1 << 18) | (3 << 12) | (1 << 11) | (2 << 7) | MB, T2 | MB)
  WARL(19, T2 | (1 << 59) | MB, T2 | MB)              /* dmode */
  WARL(20, T6 | (3 << 16) | MB | EX, T6 | (3 << 16) | MB | EX)
  li t0, 0x123456789abcdef1; csrw tdata2, t0; csrr a0, tdata2; CHECKR(21, a0, t0)
  li t0, 0x55; csrw tdata3, t0; csrr a0, tdata3; CHECK(22, a0, 0)
  li t0, 5; csrw tinfo, t0; csrr a0, tinfo; CHECK(23, a0, 0x44)
  DISARM

  /* 24-30: execute triggers in M */
  la t0, ex1; csrw tdata2, t0
  ARM(T2 | MB | EX)
  li TESTNUM, 24; la s11, 1f; li s8, -1
ex1: nop
  j fail
1: CHECK(24, s8, 3)
  la t5, ex1; CHECKR(25, s9, t5)
  CHECK(26, s10, 0)
  la t0, ex_sub; csrw tdata2, t0
  ARM(T2 | SB | UB | EX)                 /* no M bit: M code runs past it */
  QUIET(27, call ex_sub)
  la t0, half; addi t0, t0, 2; csrw tdata2, t0
  ARM(T2 | MB | EX)                      /* the middle of a 4-byte instruction never matches */
  QUIET(28, call half_sub)
  la t0, ex6; csrw tdata2, t0
  ARM(T6 | MB | EX)                      /* type 6 too */
  li TESTNUM, 29; la s11, 1f; li s8, -1
ex6: nop
  j fail
1: CHECK(29, s8, 3)
  csrw tdata2, zero                      /* at 0, where a fetch faults: the trigger comes first */
  ARM(T2 | MB | EX)
  li TESTNUM, 30; la s11, 1f; li s8, -1
  jr zero
1: CHECK(30, s8, 3)
  CHECK(31, s9, 0)
  DISARM

  /* 32-45: load/store triggers in M: [tdata2, tdata2 + len), len 8 for any size */
  csrw tdata2, s2
  ARM(T2 | MB | LD)
  FIRES(32, ld a0, 4(s1))                /* [4, 12) overlaps [8, 16) */
  FIRES(33, lw a0, 12(s1))
  QUIET(34, lw a0, 16(s1))
  QUIET(35, lw a0, 4(s1))
  QUIET(36, sd a0, 8(s1))                /* a store: not a load trigger's */
  ARM(T2 | MB | LD | (1 << 16))          /* 1 byte */
  QUIET(37, lb a0, 9(s1))
  FIRES(38, lb a0, 8(s1))
  ARM(T2 | MB | LD | (3 << 16))          /* "4 bytes": QEMU covers 3 */
  QUIET(39, lb a0, 11(s1))
  FIRES(40, lb a0, 10(s1))
  li t0, 0x77; sd t0, 0(s2)
  ARM(T2 | MB | ST)
  li t1, 0x99
  FIRES(41, sd t1, 0(s2))
  ld a0, 0(s2); CHECK(42, a0, 0x77)      /* the store did not happen */
  QUIET(43, ld a0, 0(s2))
  FIRES(44, amoadd.d a0, t1, (s2))
  QUIET(45, lr.d a0, (s2))
  ARM(T2 | MB | LD)
  FIRES(46, amoswap.d a0, t1, (s2))
  DISARM
  ld a0, 0(s2); CHECK(47, a0, 0x77)
  ARM(T2 | MB | LD)
  addi t2, s2, 1
  li TESTNUM, 48; la s11, 1f; li s8, -1
  amoadd.w a0, t1, (t2)                  /* misaligned: that trap first, tval = the address */
  j fail
1: CHECK(48, s8, 4)
  CHECKR(48, s10, t2)
  /* sc without a reservation makes no access; with one it matches a load trigger */
  DISARM
  lr.d a0, (s2)
  sc.d a0, t1, (s2)                      /* uses up the reservation */
  sd zero, 0(s2)
  ARM(T2 | MB | LD)
  QUIET(49, sc.d a0, t1, (s2))
  DISARM
  lr.d a0, (s2)
  ARM(T2 | MB | LD)
  FIRES(50, sc.d a0, t1, (s2))
  li t0, 1 << 13; csrs mstatus, t0       /* FS on */
  FIRES(51, fld f0, 0(s2))
  ARM(T2 | MB | ST)
  FIRES(52, fsw f0, 4(s2))
  csrw tdata2, zero                      /* at 0, where a load faults: the trigger comes first */
  ARM(T2 | MB | LD)
  FIRES(53, ld a0, 0(zero))
  DISARM
  EXPECT_TRAP(54, 5, 0, ld a0, 0(zero))

  /* 55-59: both triggers: 0 stores at dat, 1 loads at dat + 8 */
  csrw tdata2, s1
  ARM(T2 | MB | ST)
  li t0, 1; csrw tselect, t0
  csrw tdata2, s2
  ARM(T2 | MB | LD)
  FIRES(55, sd zero, 0(s1))
  FIRES(56, ld a0, 0(s2))
  QUIET(57, ld a0, 0(s1))
  QUIET(58, sd zero, 0(s2))
  DISARM
  csrw tselect, zero
  QUIET(59, ld a0, 0(s2))                /* trigger 0 is still a store trigger at dat */
  DISARM

  /* 60-72: modes */
  la t0, s_code; csrw tdata2, t0
  ARM(T2 | SB | EX)
  la s11, 1f; li s8, -1
  GO_S(s_code)
1: CHECK(60, s8, 3)
  la t5, s_code; CHECKR(61, s9, t5)
  srli t0, tp, 11; andi t0, t0, 3; CHECK(62, t0, 1)   /* from S */
  la s11, 1f; li s8, -1
  GO_U(s_code)                           /* S-only trigger: U runs to its ecall */
1: CHECK(63, s8, 8)
  la t0, s_trap; csrw stvec, t0
  li t0, 1 << 3; csrw medeleg, t0        /* breakpoints to S */
  ARM(T2 | UB | EX)
  la s11, 1f; li s8, -1; li s3, -1; li s4, -1; li s5, -1
  GO_U(s_code)
1: CHECK(64, s8, 9)                      /* the S handler's ecall */
  CHECK(65, s3, 3)
  la t5, s_code; CHECKR(66, s4, t5)
  CHECK(67, s5, 0)
  csrw medeleg, zero
  csrw tdata2, s2
  ARM(T2 | SB | LD)                      /* MPRV with MPP = S: still M for triggers */
  li TESTNUM, 68; la s11, 1f; li s8, -1
  li t0, (1 << 17) | (1 << 11); csrs mstatus, t0
  ld a0, 0(s2)
1: li t0, (1 << 17) | (3 << 11); csrc mstatus, t0
  li t0, 3 << 11; csrs mstatus, t0
  CHECK(68, s8, -1)
  ARM(T2 | MB | LD)
  li TESTNUM, 69; la s11, 1f; li s8, -1
  li t0, (1 << 17) | (1 << 11); csrs mstatus, t0
  ld a0, 0(s2)
  j fail
1: li t0, (1 << 17) | (3 << 11); csrc mstatus, t0
  li t0, 3 << 11; csrs mstatus, t0
  CHECK(69, s8, 3)
  DISARM

  /* 70-79: Sv39 from S: load/store/execute triggers at an unmapped page beat its page fault */
  la t0, pt_root; li t1, (0x80000000 >> 2) | 0xcf; sd t1, 16(t0)
  srli t0, t0, 12; li t1, 8 << 60; or t0, t0, t1; csrw satp, t0; sfence.vma
  la s11, 1f; li s8, -1
  GO_S(s_ld)
1: CHECK(70, s8, 13)                     /* no trigger: a load page fault */
  li t0, 0x1000; csrw tdata2, t0
  ARM(T2 | SB | LD | ST)
  la s11, 1f; li s8, -1
  GO_S(s_ld)
1: CHECK(71, s8, 3)
  la t5, s_ld_at; CHECKR(72, s9, t5)
  la s11, 1f; li s8, -1
  GO_S(s_st)
1: CHECK(73, s8, 3)
  ARM(T2 | SB | EX)
  la s11, 1f; li s8, -1
  GO_S(s_jmp)
1: CHECK(74, s8, 3)
  CHECK(75, s9, 0x1000)
  DISARM
  la s11, 1f; li s8, -1
  GO_S(s_jmp)
1: CHECK(76, s8, 12)
  csrw satp, zero
  sfence.vma

  /* 80-95: hot loops, compiled by the block compiler before the triggers are armed */
  la a0, arr; li a1, 5000
  call sum_loop
  li t0, 157276; CHECKR(80, a2, t0)       /* 78 * (0 + ... + 63) + (0 + ... + 7) */
  la a0, arr; li a1, 5000
  call sum_loop                          /* now compiled (or compiled on first use) */
  la t0, arr + 7 * 8; csrw tdata2, t0
  ARM(T2 | MB | LD)
armed_load:                              /* (test/e2e: gdb watches arr[7] from here) */
  li TESTNUM, 81; la s11, 1f; li s8, -1
  la a0, arr; li a1, 5000
  call sum_loop
  j fail
1: CHECK(81, s8, 3)
  la t5, sum_ld; CHECKR(82, s9, t5)
  CHECK(83, t0, 7)                       /* stopped at the eighth iteration */
  DISARM
  la a0, arr; li a1, 5000
  call sum_loop
  li t0, 157276; CHECKR(84, a2, t0)       /* full speed again, same result */
  la t0, sum_mark; csrw tdata2, t0
  ARM(T2 | MB | EX)                      /* an instruction only iteration 100 runs */
armed_exec:                              /* (test/e2e: gdb breaks at sum_mark from here) */
  li TESTNUM, 85; la s11, 1f; li s8, -1
  la a0, arr; li a1, 5000
  call sum_loop
  j fail
1: CHECK(85, s8, 3)
  la t5, sum_mark; CHECKR(86, s9, t5)
  CHECK(87, t0, 100)
  DISARM
  li a3, 0
  la a0, arr; li a1, 5000
  call fill_loop
  la a0, arr; li a1, 5000
  call fill_loop
  la t0, arr + 9 * 8; csrw tdata2, t0
  ARM(T2 | MB | ST)
  li TESTNUM, 88; la s11, 1f; li s8, -1
  la a0, arr; li a1, 5000
  li a3, 0x100                           /* fill with i + 0x100 */
  call fill_loop
  j fail
1: CHECK(88, s8, 3)
  CHECK(89, t0, 9)
  la t1, arr
  ld a0, 8 * 8(t1); CHECK(90, a0, 0x108)  /* iteration 8 stored */
  ld a0, 9 * 8(t1); CHECK(91, a0, 4937)   /* iteration 9 did not: 77 * 64 + 9 from the pass before */
  DISARM

  /* 92-95: no tcontrol, mcontext or scontext (illegal, tval = the bits); the trigger CSRs are
     M-mode only */
  EXPECT_TRAP(92, 2, 0x7a502573, csrr a0, 0x7a5)
  EXPECT_TRAP(93, 2, 0x7a802573, csrr a0, 0x7a8)
  EXPECT_TRAP(94, 2, 0x5a802573, csrr a0, 0x5a8)
  la s11, 1f; li s8, -1
  GO_S(s_csr)
1: CHECK(95, s8, 2)
  la t5, s_csr; CHECKR(95, s9, t5)
  CHECK(95, s10, 0x7a002573)
  j pass

/* a0 = array of 64 dwords, a1 = n: a2 = sum of arr[i & 63] over i < n (t0 = i). */
sum_loop:
  li a2, 0
  li t0, 0
1: andi t1, t0, 63
  slli t1, t1, 3
  add t1, t1, a0
sum_ld:
  ld t2, 0(t1)
  add a2, a2, t2
  addi t3, t0, -100
  bnez t3, 2f
sum_mark:
  nop
2: addi t0, t0, 1
  blt t0, a1, 1b
  ret
/* arr[i & 63] = i + a3 for i < a1 (t0 = i); first a3 = 0. */
fill_loop:
  li t0, 0
1: andi t1, t0, 63
  slli t1, t1, 3
  add t1, t1, a0
  add t2, t0, a3
  sd t2, 0(t1)
  addi t0, t0, 1
  blt t0, a1, 1b
  ret
ex_sub:
  nop
  ret
half_sub:
  .option push
  .option norvc
half: addi a0, zero, 1
  .option pop
  ret
  .balign 4
s_code: nop
  ecall
s_ld: li a0, 0x1000
s_ld_at: ld a1, 0(a0)
  ecall
s_st: li a0, 0x1000
  sd a1, 0(a0)
  ecall
s_jmp: li a0, 0x1000
  jr a0
s_csr: csrr a0, tselect
  ecall
  .balign 4
s_trap: csrr s3, scause; csrr s4, sepc; csrr s5, stval; ecall

TEST_EPILOGUE

  .section .rodata
msg: .string "sdtrig: debug triggers\n"
  .data
  .balign 16
dat: .dword 0, 0, 0, 0
  .balign 64
arr:
  .set i, 0
  .rept 64
  .dword i
  .set i, i + 1
  .endr
  .balign 4096
pt_root: .fill 512, 8, 0

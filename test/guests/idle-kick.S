/* idle-kick.S - every hart waits with no timer armed: only a write to its CLINT msip word
 * (an input: a debugger memory write, test/replay/idle-smp.test.ts) wakes it. Hart h, woken,
 * clears its msip, adds (its wake count << 8 | h) into a shared word with amoadd (so the order
 * the harts run in shows in memory) and runs a busy loop of 300 + 250*h + 40*count iterations
 * (longer than a quantum for some, so woken harts share the board in partial quanta), ROUNDS
 * times. Then it parks (mie = 0, a kick no longer wakes it); hart 0 goes on waiting for kicks
 * until every hart that started has finished, prints and passes. M-mode with mstatus.MIE = 0
 * and only MSIE in mie: wfi wakes on msip, no trap. With no deadline ever armed, a session
 * with the virtual clock waits at each such point for host input, so a test can deliver
 * inputs exactly at the points where every hart waits. */
#include "common.h"

#define CLINT_MSIP     0x2000000
#define ROUNDS         10

  .text
  .globl _start
_start:
  csrr s5, mhartid
  la t0, started
  li t1, 1
  amoadd.w zero, t1, (t0)             /* count the harts */
  csrci mstatus, 8                    /* MIE off: wfi wakes, no trap */
  li t0, 0x8                          /* MSIE */
  csrw mie, t0
  li s0, CLINT_MSIP
  slli t0, s5, 2
  add s0, s0, t0                      /* this hart's msip */
  la s7, shared
  li s3, 0                            /* wake-ups seen */
  li s4, ROUNDS
round:
1:
  wfi
  csrr t0, mip
  andi t0, t0, 0x8
  beqz t0, 1b                         /* not kicked: wait again */
  sw zero, 0(s0)
  addi s3, s3, 1
  slli t0, s3, 8
  or t0, t0, s5
  amoadd.d zero, t0, (s7)
  li t1, 250
  mul t1, t1, s5
  addi t1, t1, 300
  li t2, 40
  mul t2, t2, s3
  add t1, t1, t2
2:
  addi t1, t1, -1
  bnez t1, 2b
  blt s3, s4, round
  la t0, finished
  li t1, 1
  amoadd.w zero, t1, (t0)
  bnez s5, park
  /* hart 0: wait for the others, woken by kicks */
wait:
  la t0, finished
  lw t1, 0(t0)
  la t0, started
  lw t3, 0(t0)
  bge t1, t3, done_all
3:
  wfi
  csrr t0, mip
  andi t0, t0, 0x8
  beqz t0, 3b
  sw zero, 0(s0)
  j wait
done_all:
  PUTS(msg)
  j pass
park:
  csrw mie, zero
4:
  wfi
  j 4b

TEST_EPILOGUE

  .section .rodata
msg:
  .asciz "idle-kick: done\n"
  .data
  .align 3
shared:
  .dword 0
finished:
  .word 0
started:
  .word 0

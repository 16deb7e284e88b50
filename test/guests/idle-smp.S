/* idle-smp.S - every hart idles: hart h waits in wfi for TICKS timer ticks of its own,
 * (1 ms + h * 0.3 ms) apart, so wake-ups of different harts interleave and several harts
 * often wait at once. After each tick a hart adds (its tick count << 8 | h) into a shared
 * word with amoadd, so the order the harts run in shows in memory. Hart 0 then waits (wfi,
 * its timer still ticking) until every hart that started has finished, prints and passes. M-mode with
 * mstatus.MIE = 0 and only MTIE in mie: wfi wakes on the hart's own timer, no trap. Used to
 * check that idle warps replay exactly with several harts (test/replay/idle-legacy.test.ts). */
#include "common.h"

#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME    0x200bff8
#define TICK           10000          /* 1 ms at the 10 MHz timebase */
#define TICKS          200

  .text
  .globl _start
_start:
  csrr s5, mhartid
  la t0, started
  li t1, 1
  amoadd.w zero, t1, (t0)             /* count the harts (all start long before hart 0 ends) */
  csrci mstatus, 8                    /* MIE off: wfi wakes, no trap */
  li t0, 0x80                         /* MTIE */
  csrw mie, t0
  li s0, CLINT_MTIMECMP
  slli t0, s5, 3
  add s0, s0, t0                      /* this hart's mtimecmp */
  li s1, CLINT_MTIME
  li s6, TICK
  li t0, 3000
  mul t0, t0, s5
  add s6, s6, t0                      /* period: 1 ms + hartid * 0.3 ms */
  la s7, shared
  ld s2, 0(s1)                        /* next deadline */
  li s3, 0                            /* ticks seen */
  li s4, TICKS
tick:
  add s2, s2, s6
  sd s2, 0(s0)
1:
  wfi
  csrr t0, mip
  andi t0, t0, 0x80
  beqz t0, 1b                         /* woken early: wait again */
  addi s3, s3, 1
  slli t0, s3, 8
  or t0, t0, s5
  amoadd.d zero, t0, (s7)
  blt s3, s4, tick
  la t0, finished
  li t1, 1
  amoadd.w zero, t1, (t0)
  bnez s5, park
  /* hart 0: wait for the others, still ticking */
wait:
  la t0, finished
  lw t1, 0(t0)
  la t0, started
  lw t3, 0(t0)
  bge t1, t3, done_all
  add s2, s2, s6
  sd s2, 0(s0)
2:
  wfi
  csrr t0, mip
  andi t0, t0, 0x80
  beqz t0, 2b
  j wait
done_all:
  li t0, -1
  sd t0, 0(s0)
  PUTS(msg)
  j pass
park:
  li t0, -1
  sd t0, 0(s0)
3:
  wfi
  j 3b

TEST_EPILOGUE

  .section .rodata
msg:
  .asciz "idle-smp: done\n"
  .data
  .align 3
shared:
  .dword 0
finished:
  .word 0
started:
  .word 0

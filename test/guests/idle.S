/* idle.S - a guest that idles: TICKS timer ticks 1 ms apart (1000 by default: one virtual
 * second; idle-long.elf is built with -DTICKS=3000), waiting for each in wfi, then it passes.
 * M-mode with interrupts globally off (mstatus.MIE = 0) and only MTIE enabled in mie, so wfi
 * wakes on the timer without trapping (console input does not wake it). Used to measure how
 * fast the event log of a live session grows while a guest idles. The labels idle_wfi and
 * idle_woke mark the wait and the instruction after it, for breakpoints. */
#include "common.h"

#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME    0x200bff8
#define TICK           10000          /* 1 ms at the 10 MHz timebase */
#ifndef TICKS
#define TICKS          1000
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

  .text
  .globl _start
_start:
  csrr t0, mhartid
  bnez t0, park
  csrci mstatus, 8                    /* MIE off: wfi wakes, no trap */
  li t0, 0x80                         /* MTIE */
  csrw mie, t0
  li s0, CLINT_MTIMECMP
  li s1, CLINT_MTIME
  ld s2, 0(s1)                        /* next deadline */
  li s3, 0                            /* ticks seen */
  li s4, TICKS
tick:
  li t0, TICK
  add s2, s2, t0
  sd s2, 0(s0)
1:
  .globl idle_wfi, idle_woke
idle_wfi:
  wfi
idle_woke:
  csrr t0, mip
  andi t0, t0, 0x80
  beqz t0, 1b                         /* woken early: wait again */
  addi s3, s3, 1
  blt s3, s4, tick
  li t0, -1
  sd t0, 0(s0)                        /* no further deadline */
  PUTS(done)
  j pass
park:
  wfi
  j park

TEST_EPILOGUE

  .section .rodata
done:
  .ascii "idle: ", STR(TICKS), " ticks\n"
  .byte 0

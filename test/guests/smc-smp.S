/* smc-smp.S - one hart rewrites code that another hart has run, as a kernel's exec or fork
 * writes a program into a page freed by a process that ran on another hart. Hart 0 runs
 * `target` (its first word `li a0, 1`) often enough to be decoded and compiled, then lets
 * hart 1 store `li a0, 2` over that word and, in a second round, `li a0, 3` over the word of a
 * second function (`target2`). Hart 0 must see each new
 * instruction without executing fence.i, as it does on QEMU (whose translations are dropped
 * on any hart's store to their page); xv6 relies on it. Then pass. Hart 1 stores through its
 * data TLB: its first store to the page makes a write entry there, so later ones take the
 * fast path. Any hart above 1 just waits. */
#include "common.h"

#define ROUNDS 20000                  /* above the compile threshold (4000 runs of a block) */

  .text
  .globl _start
_start:
  csrr t0, mhartid
  beqz t0, hart0
  li t1, 1
  beq t0, t1, hart1
park:
  wfi
  j park

hart0:
  PUTS(msg)
  li s0, ROUNDS
1:
  call target
  li TESTNUM, 1
  li t6, 1
  bne a0, t6, fail
  call target2
  li TESTNUM, 2
  li t6, 10
  bne a0, t6, fail
  addi s0, s0, -1
  bnez s0, 1b
  la s1, flag
  li t0, 1
  sd t0, 0(s1)                        /* hart 1: rewrite target */
2:
  ld t0, 0(s1)
  li t1, 2
  bne t0, t1, 2b
  call target
  li TESTNUM, 3
  li t6, 2
  bne a0, t6, fail                    /* the new instruction, compiled code dropped */
  call target
  li TESTNUM, 4
  li t6, 2
  bne a0, t6, fail                    /* and again once it is hot */
  li t0, 3
  sd t0, 0(s1)                        /* hart 1: rewrite target2 */
3:
  ld t0, 0(s1)
  li t1, 4
  bne t0, t1, 3b
  call target2
  li TESTNUM, 5
  li t6, 12
  bne a0, t6, fail                    /* the new first instruction of target2 */
  j pass

hart1:
  la s1, flag
1:
  ld t0, 0(s1)
  li t1, 1
  bne t0, t1, 1b
  la t2, target
  li t3, 0x00200513                   /* li a0, 2 (addi a0, zero, 2) */
  sw t3, 0(t2)
  fence
  li t0, 2
  sd t0, 0(s1)
2:
  ld t0, 0(s1)
  li t1, 3
  bne t0, t1, 2b
  la t2, target2
  li t3, 0x00300513                   /* li a0, 3 */
  sw t3, 0(t2)
  fence
  li t0, 4
  sd t0, 0(s1)
  j park

  TEST_EPILOGUE

  /* Both in a page of their own (nothing else stores there), uncompressed so one sw replaces one instruction. */
  .option push
  .option norvc
  .balign 4096
target:
  li a0, 1
  ret
target2:
  li a0, 1
  addi a0, a0, 9
  ret
  .option pop

  .data
  .balign 8
flag: .dword 0
msg: .asciz "smc-smp\n"

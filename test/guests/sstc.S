/* Sstc, as current teaching kernels (xv6-riscv) use it from M-mode start code: menvcfg.STCE,
   stimecmp driving mip.STIP (read-only while STCE is set), a supervisor timer interrupt
   delegated to S and taken there, and the access rules (mcounteren.TM and STCE below M). */
#include "common.h"
#include "trap.h"

#define GO_S(label) la t0, label; csrw mepc, t0; li t0, 3 << 11; csrc mstatus, t0; li t0, 1 << 11; csrs mstatus, t0; mret
#define STIP 0x20
#define STIMECMP 0x14d

  .section .text.init
  .globl _start
_start:
  TRAP_SETUP
  PUTS(msg)
  /* 1: menvcfg.STCE (bit 63) is writable */
  li t0, 1
  slli t0, t0, 63
  csrs menvcfg, t0
  csrr a0, menvcfg
  srli a0, a0, 63
  CHECK(1, a0, 1)
  /* 2: stimecmp holds 64 bits; far in the future, STIP is low */
  li t0, -1
  csrw STIMECMP, t0
  csrr a0, STIMECMP
  CHECK(2, a0, -1)
  csrr a0, mip
  andi a0, a0, STIP
  CHECK(3, a0, 0)
  /* 3: stimecmp = 0 is already due: STIP high at once, and software cannot clear it */
  csrw STIMECMP, zero
  csrr a0, mip
  andi a0, a0, STIP
  CHECK(4, a0, STIP)
  li t0, STIP
  csrc mip, t0
  csrr a0, mip
  andi a0, a0, STIP
  CHECK(5, a0, STIP)
  /* 4: moving stimecmp ahead drops STIP; it rises again once time reaches it */
  csrr t1, time
  li t3, 200000                    /* 20 ms: QEMU runs on host time, so leave it room */
  add t1, t1, t3
  csrw STIMECMP, t1
  csrr a0, mip
  andi a0, a0, STIP
  CHECK(6, a0, 0)
  li TESTNUM, 7                    /* wait for STIP (bounded), then time must have reached it */
  li t3, 50000000
1: addi t3, t3, -1
  beqz t3, fail
  csrr a0, mip
  andi a0, a0, STIP
  beqz a0, 1b
  csrr t2, time
  bltu t2, t1, fail
  /* 5: below M, stimecmp needs mcounteren.TM: without it, illegal instruction (tval = bits) */
  csrw mcounteren, zero
  la s11, 1f
  GO_S(s_read_stimecmp)
1: CHECK(8, s8, 2)
  la t5, s_read_stimecmp
  CHECKR(9, s9, t5)
  CHECK(10, s10, 0x14d02573)
  /* 6: ... and STCE: TM set but STCE clear also traps */
  li t0, 2
  csrw mcounteren, t0
  li t0, 1
  slli t0, t0, 63
  csrc menvcfg, t0
  la s11, 1f
  GO_S(s_read_stimecmp)
1: CHECK(11, s8, 2)
  /* 7: with STCE clear, STIP is the software bit again */
  li t0, STIP
  csrs mip, t0
  csrr a0, mip
  andi a0, a0, STIP
  CHECK(12, a0, STIP)
  csrc mip, t0
  csrr a0, mip
  andi a0, a0, STIP
  CHECK(13, a0, 0)
  /* 8: the xv6 sequence: STCE on, TM on, STI delegated; S arms stimecmp = time + 1000 and
     waits; the interrupt arrives in S (scause = interrupt 5) and S disarms it */
  li t0, 1
  slli t0, t0, 63
  csrs menvcfg, t0
  li t0, -1
  csrw STIMECMP, t0
  li t0, STIP
  csrw mideleg, t0
  csrw mie, t0
  la t0, s_trap
  csrw stvec, t0
  la s11, 1f
  GO_S(s_timer)
1: CHECK(14, s8, 9)                /* S finished with an ecall */
  la t0, s_ticks
  ld a0, 0(t0)
  CHECK(15, a0, 1)
  la t0, s_cause
  ld a0, 0(t0)
  li t1, 1
  slli t1, t1, 63
  addi t1, t1, 5
  CHECKR(16, a0, t1)
  la t0, s_late                    /* the interrupt came no earlier than stimecmp */
  ld a0, 0(t0)
  CHECK(17, a0, 0)
  csrr a0, mip
  andi a0, a0, STIP
  CHECK(18, a0, 0)
  j pass

  .balign 4
s_read_stimecmp:
  csrr a0, STIMECMP
  ecall

s_timer:
  csrr t1, time
  addi s2, t1, 1000
  csrw STIMECMP, s2
  li t0, STIP
  csrs sie, t0
  csrsi sstatus, 2
1: la t0, s_ticks
  ld t1, 0(t0)
  beqz t1, 1b
  csrci sstatus, 2
  ecall

  .balign 4
s_trap:
  csrr t3, scause
  la t4, s_cause
  sd t3, 0(t4)
  csrr t3, time
  sltu t3, t3, s2                  /* 1 if it came before stimecmp */
  la t4, s_late
  sd t3, 0(t4)
  li t3, -1
  csrw STIMECMP, t3                /* disarm: STIP drops */
  la t4, s_ticks
  ld t3, 0(t4)
  addi t3, t3, 1
  sd t3, 0(t4)
  sret

TEST_EPILOGUE

  .data
msg: .asciz "sstc: stimecmp, STIP, menvcfg.STCE, S-mode timer interrupt\n"
  .balign 8
s_ticks: .dword 0
s_cause: .dword 0
s_late: .dword 0

/* TLB maintenance as a kernel relies on it: translations kept per privilege context must
   never leak into another (S with and without SUM, U, M with MPRV), every context sees a PTE
   change after sfence.vma from any mode, sfence.vma with an address drops that page in every
   context and, for a megapage, every 4 KiB piece of it, and a satp switch (with a fence)
   gives the new tables. Each check runs after the entry it must not reuse was filled. */
#include "common.h"
#include "trap.h"
#include "paging.h"

/* l0[idx] = frame of `sym` with flags f */
#define MAP4K(idx, sym, f) la t0, l0; la t1, sym; srli t1, t1, 2; ori t1, t1, f; sd t1, (idx * 8)(t0)

  .section .text.init
  .globl _start
_start:
  TRAP_SETUP
  PUTS(msg)
  /* Both roots: [2] RAM gigapage identity (S RWX), [1] -> l1. root_b differs from root in
     nothing but [1] -> l1_b, which maps 0x40001000 elsewhere. */
  la t0, pt_root; li t1, (0x80000000 >> 2) | V | R | W | X | A | D; sd t1, 16(t0)
  la t0, pt_root_b; sd t1, 16(t0)
  la t0, pt_root; la t1, l1; srli t1, t1, 2; ori t1, t1, V; sd t1, 8(t0)
  la t0, pt_root_b; la t1, l1_b; srli t1, t1, 2; ori t1, t1, V; sd t1, 8(t0)
  la t0, l1; la t1, l0; srli t1, t1, 2; ori t1, t1, V; sd t1, 0(t0)
  la t0, l1_b; la t1, l0_b; srli t1, t1, 2; ori t1, t1, V; sd t1, 0(t0)
  /* l1[1]: 0x40200000 megapage -> mega_a (user RW, S with SUM) */
  la t0, l1; la t1, mega_a; srli t1, t1, 2; ori t1, t1, V | R | W | U | A | D; sd t1, 8(t0)
  MAP4K(1, page_1, V | R | W | U | A | D)            /* 0x40001000: user data */
  MAP4K(2, page_2, V | R | W | A | D)                /* 0x40002000: S only */
  MAP4K(3, page_ucode, V | R | X | U | A)            /* 0x40003000: user code */
  la t0, l0_b; la t1, page_3; srli t1, t1, 2; ori t1, t1, V | R | W | U | A | D; sd t1, 8(t0)
  la t0, l0_b; la t1, page_ucode; srli t1, t1, 2; ori t1, t1, V | R | X | U | A; sd t1, 24(t0)
  la t0, page_1; li t1, 0x11; sd t1, 0(t0)
  la t0, page_2; li t1, 0x22; sd t1, 0(t0)
  la t0, page_3; li t1, 0x33; sd t1, 0(t0)
  la t0, page_4; li t1, 0x44; sd t1, 0(t0)
  la t0, mega_a; li t1, 0xa0; sd t1, 0(t0); li t2, 0x34000; add t0, t0, t2; li t1, 0xa1; sd t1, 0(t0)
  la t0, mega_b; li t1, 0xb0; sd t1, 0(t0); li t2, 0x34000; add t0, t0, t2; li t1, 0xb1; sd t1, 0(t0)
  SETSATP(pt_root)
  sfence.vma

  /* 1. SUM: S with SUM loads the user page; without SUM the same load faults; again with SUM
     it works; U in between. Each mode switch goes through M. */
  li a0, 0x40001000
  li t0, SUM; csrs mstatus, t0
  S_OK(1, s_load)
  CHECK(2, a2, 0x11)
  li t0, SUM; csrc mstatus, t0
  S_FAULT(3, s_load, 13)
  U_OK(4, u_load)
  CHECK(5, a2, 0x11)
  S_FAULT(6, s_load, 13)
  li t0, SUM; csrs mstatus, t0
  S_OK(7, s_load)
  /* SUM toggled inside S, with no trap in between */
  S_FAULT(8, s_load_nosum, 13)
  li t0, SUM; csrc mstatus, t0
  /* 2. An S-only page: S loads it, then U may not */
  li a0, 0x40002000
  S_OK(9, s_load)
  CHECK(10, a2, 0x22)
  U_FAULT(11, u_load, 13)
  /* 3. M with MPRV: MPP = S translates (the S page), MPP = U faults on it, MPRV off is physical */
  li t0, (1 << 17) | (1 << 11); csrs mstatus, t0
  ld a2, 0(a0)
  CHECK(12, a2, 0x22)
  li t0, 3 << 11; csrc mstatus, t0
  la s11, 1f
  ld a2, 0(a0)
  j fail
1: CHECK(13, s8, 13)
  li t0, 1 << 17; csrc mstatus, t0
  la t0, page_2; ld a2, 0(t0)
  CHECK(14, a2, 0x22)
  /* 4. A PTE change fenced from M is seen by S and U: remap 0x40001000 to page_4 */
  li a0, 0x40001000
  U_OK(15, u_load)
  CHECK(16, a2, 0x11)
  MAP4K(1, page_4, V | R | W | U | A | D)
  sfence.vma
  U_OK(17, u_load)
  CHECK(18, a2, 0x44)
  li t0, SUM; csrs mstatus, t0
  S_OK(19, s_load)
  CHECK(20, a2, 0x44)
  /* 5. sfence.vma with the address, from S, reaches U's translations: back to page_1 */
  U_OK(21, u_load)
  MAP4K(1, page_1, V | R | W | U | A | D)
  S_OK(22, s_fence_addr)
  U_OK(23, u_load)
  CHECK(24, a2, 0x11)
  /* 6. Megapage: two 4 KiB pieces used, the PTE changed, one fenced by address: both change */
  li a0, 0x40200000
  li a1, 0x40234000
  S_OK(25, s_load2)
  CHECK(26, a2, 0xa0)
  CHECK(27, a3, 0xa1)
  la t0, l1; la t1, mega_b; srli t1, t1, 2; ori t1, t1, V | R | W | U | A | D; sd t1, 8(t0)
  S_OK(28, s_fence_addr)
  mv a0, a1
  S_OK(29, s_load)
  CHECK(30, a2, 0xb1)
  li a0, 0x40200000
  U_OK(31, u_load)
  CHECK(32, a2, 0xb0)
  /* 7. Stores: S writes through a write entry, U reads the value back, then the page is made
     read-only and fenced by address: the next S store faults */
  li a0, 0x40001008
  li a1, 0x5a5a
  S_OK(33, s_store)
  U_OK(34, u_load)
  CHECK(35, a2, 0x5a5a)
  MAP4K(1, page_1, V | R | U | A | D)
  li a0, 0x40001008
  S_OK(36, s_fence_addr)
  S_FAULT(37, s_store, 15)
  MAP4K(1, page_1, V | R | W | U | A | D)
  sfence.vma
  /* 8. satp switch (with a fence) to root_b: 0x40001000 is page_3 there; back: page_1 */
  li a0, 0x40001000
  S_OK(38, s_load)
  CHECK(39, a2, 0x11)
  SETSATP(pt_root_b)
  sfence.vma
  S_OK(40, s_load)
  CHECK(41, a2, 0x33)
  U_OK(42, u_load)
  CHECK(43, a2, 0x33)
  SETSATP(pt_root)
  sfence.vma
  U_OK(44, u_load)
  CHECK(45, a2, 0x11)
  j pass
  TEST_EPILOGUE

/* S snippets: access a0 (a1), then ecall */
s_load: ld a2, 0(a0)
  ecall
s_load2: ld a2, 0(a0)
  ld a3, 0(a1)
  ecall
s_store: sd a1, 0(a0)
  ecall
s_load_nosum:
  li t0, SUM
  csrc sstatus, t0
  ld a2, 0(a0)
  ecall
s_fence_addr:
  sfence.vma a0
  ecall
/* The U snippet (load a0, ecall) runs at 0x40003000, page_ucode in both tables. */
u_load = 0x40003000

  .section .data
  .balign 4096
page_1: .fill 512, 8, 0
page_2: .fill 512, 8, 0
page_3: .fill 512, 8, 0
page_4: .fill 512, 8, 0
page_ucode:
  ld a2, 0(a0)
  ecall
  .balign 4096
  .section .bss
  .balign 4096
pt_root: .space 4096
pt_root_b: .space 4096
l1: .space 4096
l1_b: .space 4096
l0: .space 4096
l0_b: .space 4096
  .balign 2097152
mega_a: .space 2097152
mega_b: .space 2097152

  .section .rodata
msg: .asciz "tlb\n"

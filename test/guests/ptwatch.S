/* Page-table writes as a kernel makes them, each after the translations it changes were used
   and cached: a PTE rewritten by a 32-bit store to its low word, by amoswap.d, by a U-mode
   store through a mapping of the page table itself, and by M-mode stores to a page that was
   plain data (written through the TLB) before it became a page table; a non-leaf PTE pointed
   at another table; tables of an address space changed while another one is current; a code
   page remapped; A and D set again after the kernel cleared them; a PTE made invalid; a new
   mapping next to a live one. Every
   change is followed by an sfence.vma, as the spec asks, and must be seen after it. */
#include "common.h"
#include "trap.h"
#include "paging.h"

/* t1 = leaf PTE for the frame of `sym` with flags f */
#define PTE(sym, f) la t1, sym; srli t1, t1, 2; ori t1, t1, f
/* table[idx] = PTE(sym, f) */
#define SETPTE(table, idx, sym, f) PTE(sym, f); la t0, table; sd t1, (idx * 8)(t0)
#define URW (V | R | W | U | A | D)

  .section .text.init
  .globl _start
_start:
  TRAP_SETUP
  PUTS(msg)
  /* l0_alt is plain data first: written here through M's TLB, a page table from check 8 on. */
  SETPTE(l0_alt, 1, page_2, URW)
  SETPTE(l0_alt, 3, page_ucode, V | R | X | U | A)
  /* Both roots: [2] RAM gigapage identity (S RWX), [1] -> l1 / l1_b, [0] of those -> l0 / l0_b. */
  la t0, pt_root; li t1, (0x80000000 >> 2) | V | R | W | X | A | D; sd t1, 16(t0)
  la t0, pt_root_b; sd t1, 16(t0)
  SETPTE(pt_root, 1, l1, V)
  SETPTE(pt_root_b, 1, l1_b, V)
  SETPTE(l1, 0, l0, V)
  SETPTE(l1_b, 0, l0_b, V)
  SETPTE(l0, 1, page_1, URW)                        /* 0x40001000 */
  SETPTE(l0, 3, page_ucode, V | R | X | U | A)      /* 0x40003000: U snippets */
  SETPTE(l0, 4, page_code1, V | R | X | U | A)      /* 0x40004000: U code, remapped in 7 */
  SETPTE(l0, 5, page_5, V | R | W | U)              /* 0x40005000: no A, no D yet */
  SETPTE(l0, 6, l0, URW)                            /* 0x40006000: l0 itself, for U */
  SETPTE(l0_b, 1, page_3, URW)
  SETPTE(l0_b, 3, page_ucode, V | R | X | U | A)
  la t0, page_1; li t1, 0x11; sd t1, 0(t0)
  la t0, page_2; li t1, 0x22; sd t1, 0(t0)
  la t0, page_3; li t1, 0x33; sd t1, 0(t0)
  la t0, page_4; li t1, 0x44; sd t1, 0(t0)
  SETSATP(pt_root)
  sfence.vma
  li t0, SUM; csrs mstatus, t0
  li a0, 0x40001000

  /* 1. The mapping as built */
  S_OK(1, s_load)
  CHECK(2, a2, 0x11)
  /* 2. Only the PTE's low word rewritten (sw), to page_4: both frames are below 2^32 */
  PTE(page_4, URW); la t0, l0; sw t1, 8(t0)
  sfence.vma
  S_OK(3, s_load)
  CHECK(4, a2, 0x44)
  /* 3. amoswap.d puts page_1 back (returning page_4's PTE); fenced by address */
  PTE(page_1, URW); la t0, l0; addi t0, t0, 8; amoswap.d t2, t1, (t0)
  PTE(page_4, URW)
  CHECKR(5, t2, t1)
  sfence.vma a0
  S_OK(6, s_load)
  CHECK(7, a2, 0x11)
  /* 4. A U-mode store through 0x40006000 (l0 itself) maps page_3; S fences by address */
  li a0, 0x40006008
  PTE(page_3, URW); mv a1, t1
  U_OK(8, u_store)
  li a0, 0x40001000
  S_OK(9, s_fence_addr)
  U_OK(10, u_load)
  CHECK(11, a2, 0x33)
  SETPTE(l0, 1, page_1, URW)
  sfence.vma
  U_OK(12, u_load)
  CHECK(13, a2, 0x11)
  /* 5. A non-leaf PTE pointed at another table: l1[0] -> l0_alt, whose [1] is page_2 */
  SETPTE(l1, 0, l0_alt, V)
  sfence.vma
  S_OK(14, s_load)
  CHECK(15, a2, 0x22)
  /* 6. l0_alt, written through M's TLB while it was data, is a page table now: an M store to
     it is a PTE change (page_3), seen after the fence; then l1[0] -> l0 again */
  SETPTE(l0_alt, 1, page_3, URW)
  sfence.vma
  S_OK(16, s_load)
  CHECK(17, a2, 0x33)
  U_OK(18, u_load)
  CHECK(19, a2, 0x33)
  SETPTE(l1, 0, l0, V)
  sfence.vma
  S_OK(20, s_load)
  CHECK(21, a2, 0x11)
  /* 7. Two address spaces in turn, satp written and fenced each time (as xv6 at every trap) */
  SETSATP(pt_root_b)
  sfence.vma
  S_OK(22, s_load)
  CHECK(23, a2, 0x33)
  SETSATP(pt_root)
  sfence.vma
  U_OK(24, u_load)
  CHECK(25, a2, 0x11)
  SETSATP(pt_root_b)
  sfence.vma
  U_OK(26, u_load)
  CHECK(27, a2, 0x33)
  /* ... the tables of the one not current changed (page_4), then switched to */
  SETPTE(l0, 1, page_4, URW)
  SETSATP(pt_root)
  sfence.vma
  U_OK(28, u_load)
  CHECK(29, a2, 0x44)
  SETPTE(l0_b, 1, page_2, URW)
  SETSATP(pt_root_b)
  sfence.vma
  S_OK(30, s_load)
  CHECK(31, a2, 0x22)
  SETSATP(pt_root)
  sfence.vma
  S_OK(32, s_load)
  CHECK(33, a2, 0x44)
  SETPTE(l0, 1, page_1, URW)
  sfence.vma
  /* 8. A code page remapped: U runs 0x40004000, then the other code there */
  U_OK(34, u_code)
  CHECK(35, a2, 1)
  SETPTE(l0, 4, page_code2, V | R | X | U | A)
  sfence.vma
  U_OK(36, u_code)
  CHECK(37, a2, 2)
  /* 9. A and D: a load sets A, a store sets D; cleared by the kernel and fenced, set again */
  li a0, 0x40005000
  U_OK(38, u_load)
  la t0, l0; ld t2, 40(t0); andi t2, t2, A | D
  CHECK(39, t2, A)
  li a1, 0x55
  U_OK(40, u_store)
  la t0, l0; ld t2, 40(t0); andi t2, t2, A | D
  CHECK(41, t2, A | D)
  SETPTE(l0, 5, page_5, V | R | W | U)
  sfence.vma
  U_OK(42, u_load)
  CHECK(43, a2, 0x55)
  la t0, l0; ld t2, 40(t0); andi t2, t2, A | D
  CHECK(44, t2, A)
  li a1, 0x56
  U_OK(45, u_store)
  la t0, l0; ld t2, 40(t0); andi t2, t2, A | D
  CHECK(46, t2, A | D)
  /* 10. A PTE made invalid: the next access faults, with tval the address */
  li a0, 0x40001000
  S_OK(47, s_load)
  la t0, l0; sd zero, 8(t0)
  sfence.vma
  S_FAULT(48, s_load, 13)
  SETPTE(l0, 1, page_1, URW)
  sfence.vma
  S_OK(49, s_load)
  CHECK(50, a2, 0x11)
  /* 11. A new mapping in a live table (an invalid PTE overwritten: nothing to drop), then a
     valid PTE of the same table rewritten, by two M stores in a row */
  SETPTE(l0, 7, page_3, URW)
  SETPTE(l0, 1, page_2, URW)
  sfence.vma
  S_OK(51, s_load)
  CHECK(52, a2, 0x22)
  li a0, 0x40007000
  U_OK(53, u_load)
  CHECK(54, a2, 0x33)
  j pass
  TEST_EPILOGUE

/* S snippets: access a0, then ecall */
s_load: ld a2, 0(a0)
  ecall
s_fence_addr:
  sfence.vma a0
  ecall
/* U snippets at 0x40003000 (page_ucode): load a0; store a1 at a0; then 0x40004000 */
u_load = 0x40003000
u_store = 0x40003008
u_code = 0x40004000

  .section .data
  .balign 4096
page_1: .fill 512, 8, 0
page_2: .fill 512, 8, 0
page_3: .fill 512, 8, 0
page_4: .fill 512, 8, 0
page_5: .fill 512, 8, 0
  .option push
  .option norvc
page_ucode:
  ld a2, 0(a0)
  ecall
  sd a1, 0(a0)
  ecall
  .balign 4096
page_code1:
  li a2, 1
  ecall
  .balign 4096
page_code2:
  li a2, 2
  ecall
  .option pop
  .balign 4096
  .section .bss
  .balign 4096
pt_root: .space 4096
pt_root_b: .space 4096
l1: .space 4096
l1_b: .space 4096
l0: .space 4096
l0_b: .space 4096
l0_alt: .space 4096

  .section .rodata
msg: .asciz "ptwatch\n"

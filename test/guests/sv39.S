/* Sv39: gigapage, megapage and 4 KiB translations; A and D bits set by the hardware (checked
   in the PTEs); load/store/fetch page faults with tval = the virtual address (unmapped,
   read-only, no-X, non-canonical, misaligned superpage, W-without-R, leaf-less level 0); U
   pages from S with and without SUM; execute-only pages with and without MXR; S pages from U;
   MPRV in M; sfence.vma after a PTE change. */
#include "common.h"
#include "trap.h"

#define V 1
#define R 2
#define W 4
#define X 8
#define U 16
#define A 64
#define D 128
#define PTE(pa, f) (((pa) >> 2) | (f))
#define GO_S(label) la t0, label; csrw mepc, t0; li t0, 3 << 11; csrc mstatus, t0; li t0, 1 << 11; csrs mstatus, t0; mret
#define GO_U(label) la t0, label; csrw mepc, t0; li t0, 3 << 11; csrc mstatus, t0; mret
/* Run S (or U) snippet `label` on address a0 and expect a trap `cause` with tval = a0. */
#define S_FAULT(code, label, cause) la s11, 91f; GO_S(label); 91: CHECK(code, s8, cause); CHECKR(code, s10, a0)
#define U_FAULT(code, label, cause) la s11, 91f; GO_U(label); 91: CHECK(code, s8, cause); CHECKR(code, s10, a0)
/* Run it and expect it to finish with its ecall (cause 9 from S, 8 from U). */
#define S_OK(code, label) la s11, 91f; GO_S(label); 91: CHECK(code, s8, 9)
#define U_OK(code, label) la s11, 91f; GO_U(label); 91: CHECK(code, s8, 8)
#define SETPTE(table, idx, val) la t0, table; li t1, val; sd t1, (idx * 8)(t0)
#define SETPTE_LA(table, idx, sym, f) la t0, table; la t1, sym; srli t1, t1, 2; ori t1, t1, f; sd t1, (idx * 8)(t0)

  .section .text.init
  .globl _start
_start:
  TRAP_SETUP
  PUTS(msg)
  /* root[0]: MMIO gigapage (S RW), root[2]: RAM gigapage identity (S RWX), no A/D */
  SETPTE(pt_root, 0, PTE(0, V | R | W))
  SETPTE(pt_root, 2, PTE(0x80000000, V | R | W | X))
  la t0, pt_root; la t1, l1; srli t1, t1, 2; ori t1, t1, V; sd t1, 8(t0)
  la t0, l1; la t1, l0; srli t1, t1, 2; ori t1, t1, V; sd t1, 0(t0)
  SETPTE(l1, 1, PTE(0x80400000, V | R | W))              /* 0x40200000 megapage */
  SETPTE(l1, 2, PTE(0x80401000, V | R | W))              /* 0x40400000 misaligned megapage */
  SETPTE(l1, 3, PTE(0x80600000, V | W))                  /* 0x40600000 W without R */
  SETPTE_LA(l0, 1, page_rw, V | R | W)                   /* 0x40001000 */
  SETPTE_LA(l0, 2, page_ro, V | R)                       /* 0x40002000 */
  SETPTE_LA(l0, 3, page_xo, V | X)                       /* 0x40003000 execute-only */
  SETPTE_LA(l0, 4, page_u, V | R | W | U)                /* 0x40004000 user data */
  SETPTE_LA(l0, 5, page_ux, V | R | X | U)               /* 0x40005000 user code */
  SETPTE_LA(l0, 6, page_rw, V)                           /* 0x40006000 non-leaf at level 0 */
  la t0, pt_root
  srli t0, t0, 12
  li t1, 8 << 60
  or t0, t0, t1
  csrw satp, t0
  sfence.vma
  csrr t1, satp
  CHECKR(1, t1, t0)

  /* gigapage: S runs its code through root[2]; A gets set on it */
  S_OK(2, s_nop)
  la t0, pt_root
  ld t1, 16(t0)
  andi t1, t1, A
  CHECK(3, t1, A)
  /* 4 KiB page: load sets A but not D, store sets D; M sees the data physically */
  li a0, 0x40001008
  S_OK(4, s_load)
  la t0, l0
  ld t1, 8(t0)
  andi t1, t1, A | D
  CHECK(5, t1, A)
  li a0, 0x40001010
  li a1, 0x1234abcd
  S_OK(6, s_store)
  la t0, l0
  ld t1, 8(t0)
  andi t1, t1, A | D
  CHECK(7, t1, A | D)
  la t0, page_rw
  ld t1, 16(t0)
  CHECK(8, t1, 0x1234abcd)
  /* megapage: offset bits 20..0 pass through */
  li a0, 0x40212340
  li a1, 0x55aa
  S_OK(9, s_store)
  li t0, 0x80412340
  ld t1, 0(t0)
  CHECK(10, t1, 0x55aa)
  la t0, l1
  ld t1, 8(t0)
  andi t1, t1, A | D
  CHECK(11, t1, A | D)
  /* faults, tval = the virtual address */
  li a0, 0x40007000                      /* invalid PTE at level 0 */
  S_FAULT(12, s_load, 13)
  S_FAULT(13, s_store, 15)
  S_FAULT(14, s_jump, 12)
  li a0, 0x40002008                      /* read-only */
  S_OK(15, s_load)
  S_FAULT(16, s_store, 15)
  S_FAULT(17, s_jump, 12)                /* not executable */
  li a0, 0x0000004000000000              /* not sign-extended from bit 38 */
  S_FAULT(18, s_load, 13)
  li a0, 0xffffffc000000000              /* canonical, root[256] invalid */
  S_FAULT(19, s_load, 13)
  li a0, 0x40400000                      /* misaligned megapage */
  S_FAULT(20, s_load, 13)
  li a0, 0x40600000                      /* W without R: reserved */
  S_FAULT(21, s_load, 13)
  li a0, 0x40006000                      /* pointer PTE at the last level */
  S_FAULT(22, s_load, 13)
  /* the faulting store left no A/D behind on the read-only page */
  la t0, l0
  ld t1, 16(t0)
  andi t1, t1, D
  CHECK(23, t1, 0)
  /* execute-only page: fetch fine, load faults unless MXR */
  li a0, 0x40003000
  S_OK(24, s_call)
  S_FAULT(25, s_load, 13)
  li t0, 1 << 19
  csrs mstatus, t0
  S_OK(26, s_load)
  CHECK(27, a2, 0x8082)                  /* the c.ret it loaded */
  li t0, 1 << 19
  csrc mstatus, t0
  /* U page from S: load faults with SUM = 0, works with SUM = 1; fetch always faults */
  li a0, 0x40004000
  S_FAULT(28, s_load, 13)
  li t0, 1 << 18
  csrs mstatus, t0
  S_OK(29, s_load)
  li a0, 0x40005000
  S_FAULT(30, s_jump, 12)
  li t0, 1 << 18
  csrc mstatus, t0
  /* U mode: runs its code page, uses its data page, faults on S pages */
  la s11, 1f
  li t0, 0x40005000
  csrw mepc, t0
  li t0, 3 << 11
  csrc mstatus, t0
  mret
1: CHECK(31, s8, 8)
  la t0, page_u
  ld t1, 0(t0)
  CHECK(32, t1, 0x77)
  li a0, 0x40001000
  la s11, 1f
  li t0, 0x40005010                      /* u_load_a0 in the user code page */
  csrw mepc, t0
  li t0, 3 << 11
  csrc mstatus, t0
  mret
1: CHECK(33, s8, 13)
  CHECKR(34, s10, a0)
  /* MPRV: M loads through S's translation */
  li t0, (1 << 17) | (1 << 11)
  csrs mstatus, t0
  li a0, 0x40001010
  ld a2, 0(a0)
  li t0, 1 << 17
  csrc mstatus, t0
  CHECK(35, a2, 0x1234abcd)
  /* sfence.vma: remap 0x40001000 to the read-only page's frame */
  la t0, l0
  la t1, page_ro
  srli t1, t1, 2
  ori t1, t1, V | R | W | A | D
  sd t1, 8(t0)
  la t1, page_ro
  li t2, 0x99
  sd t2, 8(t1)
  li a0, 0x40001008
  S_OK(36, s_load_fence)
  CHECK(37, a2, 0x99)
  j pass
  TEST_EPILOGUE

/* S snippets: access a0, then ecall */
s_nop: ecall
s_load: ld a2, 0(a0)
  ecall
s_store: sd a1, 0(a0)
  ecall
s_jump: jr a0
s_call: jalr a0
  ecall
s_load_fence:
  sfence.vma
  ld a2, 0(a0)
  ecall
u_entry_pa = 0x40005000

  .section .data
  .balign 4096
page_rw: .fill 512, 8, 0
page_ro: .fill 512, 8, 0
page_xo:
  ret
  .balign 4096
page_u: .fill 512, 8, 0
page_ux:
  /* user code, position independent: store 0x77 to its data page, ecall */
  li t0, 0x40004000
  li t1, 0x77
  sd t1, 0(t0)
  ecall
  .balign 16
  ld a2, 0(a0)                           /* 0x40005010: load a0 */
  ecall
  .balign 4096
  .section .bss
  .balign 4096
pt_root: .space 4096
l1: .space 4096
l0: .space 4096

  .section .rodata
msg: .asciz "sv39\n"

/* Differential program (b): an S-mode kernel under Sv39 running a U-mode program, with traps
   handled and resumed. M-mode builds the page tables (1 GiB identity pages for MMIO and the
   kernel, a 2 MiB user megapage, 4 KiB user pages), delegates U ecalls and page faults to S and
   enters S with mret. Each round, the kernel unmaps the user's data pages and srets to user code;
   the user stores/loads through them (demand paging: the kernel maps the page on the page fault
   and resumes the faulting instruction), touches a megapage, an unmapped and a kernel-only
   address (faults the kernel skips), and makes system calls; some are forwarded to M-mode with
   an ecall from S. The kernel checks that hardware set the A and D bits. */
#include "common.h"

#define ROUNDS     130
#define USER_VA    0x40000000
#define DATA_VA    0x40001000
#define NPAGES     8
#define MEGA_VA    0x40200000
#define BAD_VA     0x40400000
#define PTE_V 1
#define PTE_R 2
#define PTE_W 4
#define PTE_X 8
#define PTE_U 16
#define PTE_A 64
#define PTE_D 128

  .section .text.init
  .globl _start
_start:
  /* PMP entry 0: all of memory, RWX (QEMU refuses mret to S/U with no PMP rule) */
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  la t0, m_trap
  csrw mtvec, t0
  la t0, s_trap
  csrw stvec, t0
  li t0, (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15)
  csrw medeleg, t0
  /* root: [0] 0..1G identity (MMIO, kernel RW), [2] 2G..3G identity (RAM, kernel RWX),
     [1] -> l1_user. No A/D bits anywhere: hardware sets them. */
  la s0, pt_root
  li t0, (0 << 10) | PTE_V | PTE_R | PTE_W
  sd t0, 0(s0)
  li t0, (0x80000000 >> 2) | PTE_V | PTE_R | PTE_W | PTE_X
  sd t0, 16(s0)
  la t1, l1_user
  srli t1, t1, 12
  slli t1, t1, 10
  ori t1, t1, PTE_V
  sd t1, 8(s0)
  /* l1_user: [0] -> l0_user, [1] user megapage at PA 0x80400000 */
  la s1, l1_user
  la t1, l0_user
  srli t1, t1, 12
  slli t1, t1, 10
  ori t1, t1, PTE_V
  sd t1, 0(s1)
  li t0, (0x80400000 >> 2) | PTE_V | PTE_R | PTE_W | PTE_U
  sd t0, 8(s1)
  /* l0_user: [0] user code (R X U) */
  la s2, l0_user
  la t1, user_code
  srli t1, t1, 12
  slli t1, t1, 10
  ori t1, t1, PTE_V | PTE_R | PTE_X | PTE_U
  sd t1, 0(s2)
  /* satp = Sv39 | root PPN */
  srli t0, s0, 12
  li t1, 8 << 60
  or t0, t0, t1
  csrw satp, t0
  sfence.vma
  /* enter S-mode at s_entry */
  li t0, 3 << 11
  csrc mstatus, t0
  li t0, 1 << 11
  csrs mstatus, t0
  la t0, s_entry
  csrw mepc, t0
  li s10, 0                 /* M-mode call counter */
  mret

/* M-mode trap handler: ecalls from S (SBI-like). a7 = 1: a0 = a0 * 3 + 1; a7 = 8: exit a0. */
  .balign 4
m_trap:
  csrr t0, mcause
  li t1, 9
  bne t0, t1, m_bad
  li t1, 8
  beq a7, t1, m_exit
  slli t1, a0, 1
  add a0, a0, t1
  addi a0, a0, 1
  addi s10, s10, 1
  csrr t0, mepc
  addi t0, t0, 4
  csrw mepc, t0
  mret
m_exit:
  mv TESTNUM, a0
  bnez a0, fail
  j pass
m_bad:
  addi TESTNUM, t0, 100
  j fail

/* ---------------- S-mode kernel ---------------- */
s_entry:
  la t0, kstack_top
  csrw sscratch, t0
  li s11, ROUNDS
  li s9, 0                  /* skipped-fault counter */
  li s8, 0                  /* demand-map counter */
  li s7, 0                  /* checksum from the user */
s_round:
  /* unmap the data pages and flush the TLB */
  la t0, l0_user
  addi t0, t0, 8
  li t1, NPAGES
1: sd zero, 0(t0)
  addi t0, t0, 8
  addi t1, t1, -1
  bnez t1, 1b
  sfence.vma
  /* sret to user code with SPP = U */
  li t0, 1 << 8
  csrc sstatus, t0
  li t0, USER_VA
  csrw sepc, t0
  mv a0, s11
  sret
s_round_end:
  /* back from the user's exit call: restore the kernel stack pointer for the next trap */
  add s7, s7, a0
  /* every data page the user wrote must have A and D set by the hardware */
  la t0, l0_user
  addi t0, t0, 8
  li t1, NPAGES
1: ld t2, 0(t0)
  andi t3, t2, PTE_A | PTE_D
  li t4, PTE_A | PTE_D
  li TESTNUM, 2
  bne t3, t4, s_fail
  addi t0, t0, 8
  addi t1, t1, -1
  bnez t1, 1b
  addi s11, s11, -1
  bnez s11, s_round
  /* report: counters must match what the user did */
  li TESTNUM, 3
  li t0, ROUNDS * NPAGES
  bne s8, t0, s_fail_t0
  li TESTNUM, 4
  li t0, ROUNDS * 2
  bne s9, t0, s_fail_t0
  mv a0, s7
  li a7, 1
  ecall                     /* one last call to M */
  li a0, 0
  li a7, 8
  ecall                     /* exit: pass */
s_fail_t0:
s_fail:
  mv a0, TESTNUM
  li a7, 8
  ecall

/* S trap entry: swap to the kernel stack, save every register, dispatch on scause. */
  .balign 4
s_trap:
  csrrw sp, sscratch, sp
  addi sp, sp, -256
  .irp r,1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
  sd x\r, (\r*8)(sp)
  .endr
  csrr t0, scause
  li t1, 8
  beq t0, t1, s_ecall
  li t1, 13
  beq t0, t1, s_pf
  li t1, 15
  beq t0, t1, s_pf
  addi TESTNUM, t0, 200     /* anything else is a bug */
  j s_fail
s_pf:
  csrr t0, stval
  li t1, DATA_VA
  sub t2, t0, t1
  li t3, NPAGES << 12
  bgeu t2, t3, s_skip       /* not a demand page: skip the instruction */
  /* map page (stval - DATA_VA) >> 12 to data_pool + that * 4096, U R W, no A/D */
  srli t2, t2, 12
  slli t3, t2, 12
  la t4, data_pool
  add t4, t4, t3
  srli t4, t4, 12
  slli t4, t4, 10
  ori t4, t4, PTE_V | PTE_R | PTE_W | PTE_U
  la t5, l0_user
  addi t2, t2, 1
  slli t2, t2, 3
  add t5, t5, t2
  ld t6, 0(t5)
  li TESTNUM, 5
  bnez t6, s_fail           /* fault on a page that is mapped: wrong */
  sd t4, 0(t5)
  sfence.vma t0
  ld s8, (24*8)(sp)
  addi s8, s8, 1
  sd s8, (24*8)(sp)
  j s_ret
s_skip:
  ld s9, (25*8)(sp)
  addi s9, s9, 1
  sd s9, (25*8)(sp)
  j s_next
s_ecall:
  ld a7, (17*8)(sp)
  ld a0, (10*8)(sp)
  li t1, 2
  beq a7, t1, s_exit_round
  li t1, 3
  beq a7, t1, s_fwd
  addi a0, a0, 1            /* syscall 1: increment */
  sd a0, (10*8)(sp)
  j s_next
s_fwd:
  ecall                     /* forward to M: a0 = a0 * 3 + 1 */
  sd a0, (10*8)(sp)
  /* fall through */
s_next:
  csrr t0, sepc
  addi t0, t0, 4
  csrw sepc, t0
s_ret:
  .irp r,1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
  ld x\r, (\r*8)(sp)
  .endr
  addi sp, sp, 256
  csrrw sp, sscratch, sp
  sret
s_exit_round:
  /* restore the kernel's registers saved at the trap, keep the user's a0 */
  .irp r,1,3,4,8,9,18,19,20,21,22,23,24,25,26,27
  ld x\r, (\r*8)(sp)
  .endr
  addi sp, sp, 256
  csrrw sp, sscratch, sp    /* sscratch = kernel stack top again; sp = user sp (unused) */
  j s_round_end

  TEST_EPILOGUE

/* ---------------- U-mode program (position independent, at USER_VA) ---------------- */
  .section .text.user, "ax"
  .balign 4096
user_code:
  li s0, DATA_VA
  li s1, 0                  /* i */
  li s2, 0                  /* sum */
  li s3, 64                 /* iterations */
2: andi t0, s1, NPAGES - 1
  slli t0, t0, 12
  add t0, t0, s0
  andi t1, s1, 0x3f8
  add t0, t0, t1
  sd s1, 0(t0)              /* store (page fault on the first touch of each page per round) */
  ld t2, 0(t0)
  add s2, s2, t2
  li t3, MEGA_VA
  add t3, t3, t1
  sw s2, 0(t3)              /* megapage store */
  lw t4, 0(t3)
  xor s2, s2, t4
  mv a0, s1
  li a7, 1
  ecall                     /* syscall: a0 + 1 */
  add s2, s2, a0
  andi t5, s1, 15
  bnez t5, 3f
  mv a0, s2
  li a7, 3
  ecall                     /* forwarded to M */
  add s2, s2, a0
3: addi s1, s1, 1
  blt s1, s3, 2b
  /* two faults the kernel skips: an unmapped address and a kernel-only page */
  li t0, BAD_VA
  ld t1, 0(t0)
  li t0, 0x80000000
  sd t1, 0(t0)
  /* touch the remaining data pages once more by load (already mapped) */
  lb t1, 0(s0)
  add s2, s2, t1
  mv a0, s2
  li a7, 2
  ecall                     /* end of round */
1: j 1b

  .section .bss
  .balign 4096
pt_root: .space 4096
l1_user: .space 4096
l0_user: .space 4096
data_pool: .space NPAGES * 4096
  .space 4096
kstack_top:

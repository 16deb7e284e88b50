/* A paged guest for the debugger's view of memory (test/gdb): M-mode firmware, an S-mode
   "kernel" with Sv39 and sstatus.SUM = 0, and a U-mode program. The kernel's counter `kvar`
   is also mapped at an upper-half alias (kvar_alias, as a Linux kernel's variables are), S only;
   the user page (VA 0x40000000, U RWX) holds the user's code, a string and `uvar`. Each round
   the user bumps uvar and makes a system call with a0 = its string, a1 = &uvar (user VAs);
   the kernel (s_syscall) bumps kvar through the alias, calls the firmware (ecall to M, which
   bumps mcount) and returns. After ROUNDS rounds the kernel powers off. */
#include "common.h"

#define ROUNDS 20
#define V 1
#define R 2
#define W 4
#define X 8
#define U 16
#define A 64
#define D 128
#define UVA 0x40000000
#define ALIAS_OFF (0xffffffc000000000 - 0x80000000)

  .section .text.init
  .globl _start
_start:
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f
  csrw pmpcfg0, t0
  la t0, m_trap
  csrw mtvec, t0
  /* root[2]: RAM identity gigapage (S RWX); root[256]: the same RAM at the upper-half alias
     (S RW); root[0]: the first GiB (devices), S RW; root[1] -> l1 -> l0[0]: the user page at UVA */
  la t0, pt_root
  li t1, V | R | W | A | D      /* root[0]: devices (the test finisher), S RW */
  sd t1, 0(t0)
  li t1, (0x80000000 >> 2) | V | R | W | X | A | D
  sd t1, 16(t0)
  li t1, (0x80000000 >> 2) | V | R | W | A | D
  li t2, 256 * 8
  add t2, t2, t0
  sd t1, 0(t2)
  la t1, l1; srli t1, t1, 2; ori t1, t1, V; sd t1, 8(t0)
  la t0, l1; la t1, l0; srli t1, t1, 2; ori t1, t1, V; sd t1, 0(t0)
  la t0, l0; la t1, upage; srli t1, t1, 2; ori t1, t1, V | R | W | X | U | A | D; sd t1, 0(t0)
  la t0, pt_root
  srli t0, t0, 12
  li t1, 8 << 60
  or t0, t0, t1
  csrw satp, t0
  sfence.vma
  li t0, 1 << 8                 /* ecall from U goes to the kernel */
  csrw medeleg, t0
  la t0, s_entry
  csrw mepc, t0
  li t0, 3 << 11
  csrc mstatus, t0
  li t0, 1 << 11                /* MPP = S */
  csrs mstatus, t0
  mret

  /* The firmware: an ecall from S bumps mcount and returns. */
  .balign 4
  .globl m_trap
m_trap:
  la t5, mcount
  ld t6, 0(t5)
  addi t6, t6, 1
  sd t6, 0(t5)
  csrr t6, mepc
  addi t6, t6, 4
  csrw mepc, t6
  mret

  .globl s_entry
s_entry:
  li t0, 1 << 18                /* SUM off: the kernel cannot touch user pages */
  csrc sstatus, t0
  la t0, s_trap
  csrw stvec, t0
  li t0, UVA                     /* u_code is at the start of upage */
  csrw sepc, t0
  li t0, 1 << 8                 /* SPP = U */
  csrc sstatus, t0
  sret

  .balign 4
  .globl s_trap
s_trap:
  .globl s_syscall
s_syscall:
  li t0, ALIAS_OFF
  la t1, kvar
  add t1, t1, t0                /* kvar through its alias, as a kernel addresses it */
  ld t2, 0(t1)
  addi t2, t2, 1
  .globl s_kvar_store
s_kvar_store:
  sd t2, 0(t1)
  ecall                         /* the firmware call */
  li t0, ROUNDS
  bge t2, t0, s_done
  csrr t0, sepc
  addi t0, t0, 4
  csrw sepc, t0
  sret
s_done:
  li t0, TESTDEV
  li t1, 0x5555
  sw t1, 0(t0)
1: j 1b

  /* The user page: code and data, position independent (it runs at UVA). */
  .section .data
  .balign 4096
  .globl upage
upage:
  .globl u_code
u_code:
  la a0, ustr
  la a1, uvar
1:
  ld t0, 0(a1)
  addi t0, t0, 1
  sd t0, 0(a1)
  .globl u_ecall
u_ecall:
  ecall
  j 1b
  .balign 8
  .globl uvar
uvar: .dword 1000
ustr: .asciz "hello from U"
  .balign 4096

  .globl kvar
kvar: .dword 0
  .globl mcount
mcount: .dword 0
  .globl kvar_alias
  .set kvar_alias, kvar + ALIAS_OFF

  .section .bss
  .balign 4096
pt_root: .skip 4096
l1: .skip 4096
l0: .skip 4096

/*
 * os-start.S - entry, trampoline and kernel/user switch of the `os` benchmark kernel (os.c).
 *
 * Every hart enters _start in M-mode with a0 = hartid (QEMU virt, -bios none). Harts below
 * NHARTS get their own 16 KiB stack and run m_main(hartid); the others park.
 *
 * The trampoline page is mapped at TRAMPOLINE in the kernel's and in every process's address
 * space (as in xv6), so the code that switches satp keeps running across the switch: uservec
 * (stvec while a process runs) saves the user registers into the process's trapframe, mapped at
 * TRAPFRAME, and switches to the kernel's page table; userret switches to the process's table
 * and restores them. Both flush the TLB with sfence.vma around the satp write.
 */
#define TRAMPOLINE 0x3ffffff000
#define TRAPFRAME 0x3fffffe000
/* Trapframe offsets (struct trapframe in os.c): x1..x31 from TF_X1. */
#define TF_KSATP 0
#define TF_KCTX 8
#define TF_KTRAP 16
#define TF_X(n) (40 + 8 * ((n) - 1))

    .section .text.entry, "ax"
    .globl _start
_start:
    li      t0, NHARTS
    bgeu    a0, t0, park
    la      sp, __stack_top
    slli    t0, a0, 14              /* 16 KiB of stack per hart */
    sub     sp, sp, t0
    call    m_main
park:
    wfi
    j       park

/*
 * void run_user(struct kctx *ctx, uint64_t satp, uint64_t userret_va)
 * Saves the kernel's callee-saved registers (and tp, the hart id) in *ctx and enters the
 * process through userret at its trampoline address. "Returns" through kret when the process
 * traps, with the trap's scause/sepc/stval still in their CSRs.
 */
    .text
    .globl  run_user
run_user:
    sd      ra, 0(a0)
    sd      sp, 8(a0)
    sd      tp, 16(a0)
    sd      s0, 24(a0)
    sd      s1, 32(a0)
    sd      s2, 40(a0)
    sd      s3, 48(a0)
    sd      s4, 56(a0)
    sd      s5, 64(a0)
    sd      s6, 72(a0)
    sd      s7, 80(a0)
    sd      s8, 88(a0)
    sd      s9, 96(a0)
    sd      s10, 104(a0)
    sd      s11, 112(a0)
    li      t0, TRAMPOLINE          /* traps from U go to uservec (offset 0 of the trampoline) */
    csrw    stvec, t0
    mv      a0, a1
    jr      a2

/* Entered from uservec, on the kernel's page table, with a0 = the struct kctx of run_user. */
    .globl  kret
    .balign 4
kret:
    la      t0, kernelvec           /* a trap in the kernel is a bug: report it */
    csrw    stvec, t0
    ld      ra, 0(a0)
    ld      sp, 8(a0)
    ld      tp, 16(a0)
    ld      s0, 24(a0)
    ld      s1, 32(a0)
    ld      s2, 40(a0)
    ld      s3, 48(a0)
    ld      s4, 56(a0)
    ld      s5, 64(a0)
    ld      s6, 72(a0)
    ld      s7, 80(a0)
    ld      s8, 88(a0)
    ld      s9, 96(a0)
    ld      s10, 104(a0)
    ld      s11, 112(a0)
    ret

    .balign 4
    .globl  kernelvec
kernelvec:
    call    kernel_trap             /* never returns */
1:  j       1b

    .section .text.trampoline, "ax"
    .balign 4096
    .globl  trampoline
trampoline:
uservec:
    csrw    sscratch, a0
    li      a0, TRAPFRAME
    sd      x1, TF_X(1)(a0)
    sd      x2, TF_X(2)(a0)
    sd      x3, TF_X(3)(a0)
    sd      x4, TF_X(4)(a0)
    sd      x5, TF_X(5)(a0)
    sd      x6, TF_X(6)(a0)
    sd      x7, TF_X(7)(a0)
    sd      x8, TF_X(8)(a0)
    sd      x9, TF_X(9)(a0)
    sd      x11, TF_X(11)(a0)
    sd      x12, TF_X(12)(a0)
    sd      x13, TF_X(13)(a0)
    sd      x14, TF_X(14)(a0)
    sd      x15, TF_X(15)(a0)
    sd      x16, TF_X(16)(a0)
    sd      x17, TF_X(17)(a0)
    sd      x18, TF_X(18)(a0)
    sd      x19, TF_X(19)(a0)
    sd      x20, TF_X(20)(a0)
    sd      x21, TF_X(21)(a0)
    sd      x22, TF_X(22)(a0)
    sd      x23, TF_X(23)(a0)
    sd      x24, TF_X(24)(a0)
    sd      x25, TF_X(25)(a0)
    sd      x26, TF_X(26)(a0)
    sd      x27, TF_X(27)(a0)
    sd      x28, TF_X(28)(a0)
    sd      x29, TF_X(29)(a0)
    sd      x30, TF_X(30)(a0)
    sd      x31, TF_X(31)(a0)
    csrr    t0, sscratch
    sd      t0, TF_X(10)(a0)
    ld      t1, TF_KSATP(a0)
    ld      t0, TF_KTRAP(a0)
    ld      a0, TF_KCTX(a0)
    sfence.vma zero, zero
    csrw    satp, t1
    sfence.vma zero, zero
    jr      t0

    .globl  userret
userret:                            /* a0 = the process's satp */
    sfence.vma zero, zero
    csrw    satp, a0
    sfence.vma zero, zero
    li      a0, TRAPFRAME
    ld      x1, TF_X(1)(a0)
    ld      x2, TF_X(2)(a0)
    ld      x3, TF_X(3)(a0)
    ld      x4, TF_X(4)(a0)
    ld      x5, TF_X(5)(a0)
    ld      x6, TF_X(6)(a0)
    ld      x7, TF_X(7)(a0)
    ld      x8, TF_X(8)(a0)
    ld      x9, TF_X(9)(a0)
    ld      x11, TF_X(11)(a0)
    ld      x12, TF_X(12)(a0)
    ld      x13, TF_X(13)(a0)
    ld      x14, TF_X(14)(a0)
    ld      x15, TF_X(15)(a0)
    ld      x16, TF_X(16)(a0)
    ld      x17, TF_X(17)(a0)
    ld      x18, TF_X(18)(a0)
    ld      x19, TF_X(19)(a0)
    ld      x20, TF_X(20)(a0)
    ld      x21, TF_X(21)(a0)
    ld      x22, TF_X(22)(a0)
    ld      x23, TF_X(23)(a0)
    ld      x24, TF_X(24)(a0)
    ld      x25, TF_X(25)(a0)
    ld      x26, TF_X(26)(a0)
    ld      x27, TF_X(27)(a0)
    ld      x28, TF_X(28)(a0)
    ld      x29, TF_X(29)(a0)
    ld      x30, TF_X(30)(a0)
    ld      x31, TF_X(31)(a0)
    ld      a0, TF_X(10)(a0)
    sret
    .balign 4096
    .globl  trampoline_end
trampoline_end:

/* The user program (os-user.c), linked at its own addresses: text + rodata, then data + bss. */
    .section .rodata.user, "a"
    .balign 4096
    .globl  utext, utext_end, udata, udata_end
utext:
    .incbin "os-user.text.bin"
    .balign 4096
utext_end:
udata:
    .incbin "os-user.data.bin"
    .balign 4096
udata_end:

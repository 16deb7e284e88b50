/*
 * uservec.S - entering and leaving the S-mode kernel.
 *
 * Every trap from a user process (ecall, timer, device interrupt, fault)
 * lands on s_trap_vector. sscratch holds the address of the running
 * process's struct trapframe (kernel.h): the user registers go there, the
 * kernel runs s_trap() on its own stack, and s_trap() returns the
 * trapframe of the process to resume, which may be a different one.
 * The kernel itself never runs with interrupts enabled, so it needs only
 * one stack and no saved kernel context.
 */
    .file "uservec.S"
#define TF_A0   (10*8)
#define TF_SEPC (32*8)

    .section .text
    .align  4
    .globl  s_trap_vector
s_trap_vector:
    csrrw   a0, sscratch, a0        /* a0 = trapframe, sscratch = user a0 */
    .irp    r, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\r, \r*8(a0)
    .endr
    csrr    t0, sscratch
    sd      t0, TF_A0(a0)           /* the user's a0 */
    csrr    t0, sepc
    sd      t0, TF_SEPC(a0)

    la      sp, kernel_stack_top
    call    s_trap                  /* returns the trapframe to resume */

    .globl  s_trap_return
s_trap_return:                      /* a0 = trapframe of the process to run */
    ld      t0, TF_SEPC(a0)
    csrw    sepc, t0
    csrw    sscratch, a0
    .irp    r, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\r, \r*8(a0)
    .endr
    ld      a0, TF_A0(a0)
    sret

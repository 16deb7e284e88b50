/*
 * entry.S - where the machine starts, in M-mode, and the M-mode trap vector.
 *
 * With `-bios none`, QEMU's boot ROM jumps here on every hart with
 * a0 = hartid. Hart 0 boots the kernel; the others park in wfi.
 */
    .file "entry.S"
    .section .text.entry, "ax"
    .globl _start
_start:
    bnez    a0, park

    la      sp, boot_stack_top

    la      t0, __bss_start         /* zero .bss */
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b

2:  call    m_start                 /* sets up M-mode, then mret to s_main */

park:
    wfi
    j       park

/*
 * M-mode traps: only the machine timer interrupt and ecalls from S-mode
 * (a tiny SBI) come here; everything else is delegated to S-mode.
 * mscratch holds the top of a private M-mode stack.
 */
    .section .text
    .align  4
    .globl  m_trap_vector
m_trap_vector:
    csrrw   sp, mscratch, sp        /* sp = M stack, mscratch = interrupted sp */
    addi    sp, sp, -256            /* a register file: x1..x31 at 8*i(sp) */
    .irp    r, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\r, \r*8(sp)
    .endr
    mv      a0, sp
    call    m_trap                  /* may change the saved a0/a1 (SBI results) */
    .irp    r, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\r, \r*8(sp)
    .endr
    addi    sp, sp, 256
    csrrw   sp, mscratch, sp
    mret

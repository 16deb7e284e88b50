/*
 * crt0.S - start-up code shared by the bare-metal samples (hello, bughunt).
 *
 * QEMU's virt board with `-bios none` enters the ELF entry point in M-mode
 * on every hart at once, with a0 = hartid and a1 = address of the device
 * tree. Hart 0 gets a stack, clears .bss and runs main(); its return value
 * becomes the exit status reported through the sifive_test device.
 * Every other hart parks in wfi forever.
 */
    .file "crt0.S"
    .section .text.entry, "ax"
    .globl _start
_start:
    bnez    a0, park                /* a0 = hartid: only hart 0 runs C code */

    la      sp, __stack_top

    /* C expects zero-initialised globals: clear .bss */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b

2:  call    main

    /* Power off with main's return value as the exit status (see virt.h) */
    li      t0, 0x100000            /* sifive_test */
    li      t1, 0x5555              /* status 0: pass */
    beqz    a0, 3f
    slli    t1, a0, 16              /* otherwise: 0x3333 | status << 16 */
    li      t2, 0x3333
    or      t1, t1, t2
3:  sw      t1, 0(t0)

park:
    wfi                             /* wait for an interrupt that never comes */
    j       park

/*
 * crt0.S - start-up code of the benchmark guests (QEMU virt, -bios none, M-mode at 0x80000000).
 * Hart 0 gets a stack and the FPU on (mstatus.FS = Initial, for the F/D guest), clears .bss and runs main(); main's return value is the exit status (sifive_test).
 * Other harts park in wfi.
 */
    .section .text.entry, "ax"
    .globl _start
_start:
    bnez    a0, park
    la      sp, __stack_top
    li      t0, 1 << 13             /* mstatus.FS = Initial */
    csrs    mstatus, t0
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  call    main
    .globl  bench_exit
bench_exit:                         /* a0 = status: 0x5555, or 0x3333 | status << 16 */
    li      t0, 0x100000
    li      t1, 0x5555
    beqz    a0, 3f
    slli    t1, a0, 16
    li      t2, 0x3333
    or      t1, t1, t2
3:  sw      t1, 0(t0)
park:
    wfi
    j       park

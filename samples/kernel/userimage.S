/*
 * userimage.S - the user program (user.c, linked at USER_BASE by user.ld)
 * as a flat binary inside the kernel; proc.c copies it into each process.
 * Debug it with gdb's `add-symbol-file samples/kernel/user.elf`.
 */
    .file "userimage.S"
    .section .rodata
    .balign 8
    .globl  user_image_start, user_image_end
user_image_start:
    .incbin "kernel/user.bin"
user_image_end:

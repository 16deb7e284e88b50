/*
 * syscall.h - the system calls of the sample kernel, shared by the kernel
 * and the user program. A user program puts the number in a7 and the
 * arguments in a0, a1, executes `ecall`, and finds the result in a0.
 */
#ifndef SYSCALL_H
#define SYSCALL_H

#define SYS_write   1   /* write(buf, len): print len bytes; returns len */
#define SYS_getpid  2   /* getpid(): returns the caller's process id */
#define SYS_yield   3   /* yield(): let the other processes run; returns 0 */
#define SYS_getc    4   /* getc(): next typed character, or -1 if none */
#define SYS_exit    5   /* exit(status): end the calling process */

/* Where the user program lives in every process's address space. */
#define USER_BASE       0x40000000UL    /* program text, data and bss */
#define USER_IMAGE_SIZE 0x4000UL        /* 16 KiB at most */
#define USER_STACK_TOP  0x40020000UL    /* one page of stack just below */

#endif

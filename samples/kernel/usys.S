/*
 * usys.S - the user program's entry point and its system call stubs
 * (numbers in syscall.h): a7 = number, arguments already in a0, a1.
 */
    .file "usys.S"
#include "syscall.h"

    .section .text.entry, "ax"
    .globl  _start
_start:                         /* the kernel starts each process here, sp set */
    call    main
    call    exit                /* exit(main()) */

    .section .text
    .macro  SYSCALL name, number
    .globl  \name
\name:
    li      a7, \number
    ecall
    ret
    .endm

    SYSCALL write,  SYS_write
    SYSCALL getpid, SYS_getpid
    SYSCALL yield,  SYS_yield
    SYSCALL getc,   SYS_getc
    SYSCALL exit,   SYS_exit

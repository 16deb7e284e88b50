/*
 * kernel.h - what the parts of the sample kernel share.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdint.h>
#include <stddef.h>
#include "riscv.h"

/* QEMU virt memory map (see the device tree: qemu-system-riscv64 -machine virt,dumpdtb=f) */
#define SIFIVE_TEST     0x00100000UL
#define CLINT_BASE      0x02000000UL
#define CLINT_MTIMECMP  (CLINT_BASE + 0x4000)   /* + 8 * hartid */
#define CLINT_MTIME     (CLINT_BASE + 0xbff8)
#define PLIC_BASE       0x0c000000UL
#define UART0_BASE      0x10000000UL
#define UART0_IRQ       10
#define VIRTIO_MMIO_BASE 0x10001000UL           /* slot k at + 0x1000 * k */
#define VIRTIO_MMIO_SLOTS 8
#define RAM_BASE        0x80000000UL

/* Timer tick: 10 MHz timebase, so 10000 ticks of mtime are 1 ms. */
#define TICK_INTERVAL   10000

#define MAX_PROCS 2

/* lib.c */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
size_t strlen(const char *s);

/* console.c: the 16550 UART */
void uart_init(void);
void kputc(char c);
void kprintf(const char *fmt, ...);
void uart_intr(void);
int console_getc(void);
void poweroff(int status) __attribute__((noreturn));
void panic(const char *why) __attribute__((noreturn));

/* plic.c */
void plic_init(void);
int plic_claim(void);
void plic_complete(int irq);

/* vm.c: pages and Sv39 page tables */
void *alloc_page(void);
void vm_init(void);
uint64_t *vm_new_user_pagetable(void);
void vm_map_page(uint64_t *root, uint64_t va, uint64_t pa, uint64_t perm);
void vm_switch(uint64_t *root);

/* virtio_blk.c */
int disk_init(void);
int disk_rw(uint64_t sector, void *buf, int write);

/* The registers of a user process, saved by uservec.S on every trap. */
struct trapframe {
    uint64_t zero_unused;                   /* x0 never needs saving */
    uint64_t ra, sp, gp, tp;
    uint64_t t0, t1, t2;
    uint64_t s0, s1;
    uint64_t a0, a1, a2, a3, a4, a5, a6, a7;
    uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
    uint64_t t3, t4, t5, t6;
    uint64_t sepc;                          /* where to resume */
};

enum proc_state { UNUSED, RUNNABLE, EXITED };

struct proc {
    int pid;
    enum proc_state state;
    const char *name;
    struct trapframe tf;
    uint64_t *pagetable;                    /* root of its Sv39 tables */
    long exit_status;
};

/* proc.c */
extern struct proc procs[MAX_PROCS];
extern struct proc *current;
extern unsigned long ticks;
void proc_create(const char *name);
void proc_start(void) __attribute__((noreturn));
struct trapframe *schedule(void);
struct trapframe *syscall(struct trapframe *tf);
struct trapframe *proc_kill(const char *why);
uint64_t mtime_now(void);
void sbi_set_timer(uint64_t when);

/* trap.c */
struct trapframe *s_trap(struct trapframe *tf);

/* main.c */
void s_main(void) __attribute__((noreturn));
void shutdown(void) __attribute__((noreturn));

/* uservec.S */
void s_trap_vector(void);
void s_trap_return(struct trapframe *tf) __attribute__((noreturn));

/* mtrap.c, entry.S: the M-mode part */
void m_start(void) __attribute__((noreturn));
void m_trap_vector(void);

#endif

/*
 * trap.c - what the kernel does on each trap from user mode.
 * Called by uservec.S with the saved registers of the current process;
 * returns the registers of the process to run next.
 */
#include "kernel.h"

struct trapframe *s_trap(struct trapframe *tf)
{
    uint64_t scause = csr_read(scause);

    if (csr_read(sstatus) & SSTATUS_SPP) {
        /* The kernel runs with interrupts off, so this is a kernel bug. */
        kprintf("[kernel] trap in the kernel: scause %lx sepc %lx stval %lx\n",
                scause, csr_read(sepc), csr_read(stval));
        panic("kernel trap");
    }

    if (scause & CAUSE_INTERRUPT) {
        switch (scause & ~CAUSE_INTERRUPT) {
        case IRQ_S_TIMER:
            /* Preemption: ask for the next tick, run someone else. */
            ticks++;
            sbi_set_timer(mtime_now() + TICK_INTERVAL);
            return schedule();
        case IRQ_S_EXT: {
            int irq = plic_claim();
            if (irq == UART0_IRQ)
                uart_intr();
            if (irq)
                plic_complete(irq);
            return tf;
        }
        default:
            kprintf("[kernel] unexpected interrupt %lx\n", scause);
            return tf;
        }
    }

    switch (scause) {
    case CAUSE_ECALL_U:
        return syscall(tf);
    case CAUSE_INSN_PAGE_FAULT:
    case CAUSE_LOAD_PAGE_FAULT:
    case CAUSE_STORE_PAGE_FAULT:
        return proc_kill("page fault");
    case CAUSE_ILLEGAL_INSN:
        return proc_kill("illegal instruction");
    default:
        return proc_kill("unexpected exception");
    }
}

/*
 * mtrap.c - the M-mode part of the kernel: what firmware such as OpenSBI
 * would normally do. It hands (almost) everything to S-mode, and keeps
 * only the machine timer, which S-mode cannot program itself:
 *
 *   S-mode asks for a timer interrupt with an SBI ecall (set_timer),
 *   M-mode writes mtimecmp; when the time comes the machine timer
 *   interrupt (MTIP) traps to M-mode, which masks it and raises the
 *   supervisor timer interrupt (STIP) instead. The next set_timer
 *   call clears STIP again.
 */
#include "kernel.h"

#define SBI_EXT_TIME        0x54494D45  /* "TIME" */
#define SBI_SUCCESS         0
#define SBI_ERR_NOT_SUPPORTED (-2)

static uint8_t m_stack[4096] __attribute__((aligned(16)));

static volatile uint64_t *mtimecmp(void)
{
    return (volatile uint64_t *)(CLINT_MTIMECMP + 8 * csr_read(mhartid));
}

/* Runs once on hart 0 right after reset, still in M-mode. */
void m_start(void)
{
    /* PMP: allow S and U mode to access all of memory (TOR up to the top). */
    csr_write(pmpaddr0, 0x3fffffffffffffUL);
    csr_write(pmpcfg0, 0x0f);                   /* A=TOR, R, W, X */

    /* Exceptions and supervisor interrupts go straight to S-mode. */
    csr_write(medeleg, (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) |
                       (1 << 5) | (1 << 6) | (1 << 7) | (1 << CAUSE_ECALL_U) |
                       (1 << CAUSE_INSN_PAGE_FAULT) | (1 << CAUSE_LOAD_PAGE_FAULT) |
                       (1 << CAUSE_STORE_PAGE_FAULT));
    csr_write(mideleg, (1 << IRQ_S_SOFT) | (1 << IRQ_S_TIMER) | (1 << IRQ_S_EXT));

    /* The machine timer stays in M-mode: no deadline yet. */
    *mtimecmp() = ~0UL;
    csr_write(mtvec, (uint64_t)m_trap_vector);
    csr_write(mscratch, (uint64_t)(m_stack + sizeof m_stack));
    csr_write(mie, MIE_MTIE);

    /* "Return" to S-mode at s_main, with paging off. */
    uint64_t mstatus = csr_read(mstatus);
    mstatus = (mstatus & ~MSTATUS_MPP_MASK) | MSTATUS_MPP_S;
    csr_write(mstatus, mstatus);
    csr_write(mepc, (uint64_t)s_main);
    csr_write(satp, 0);
    __asm__ volatile("mret");
    for (;;)
        ;
}

/* SBI call from S-mode: a7 = extension, a6 = function, a0.. = arguments. */
static void sbi_call(uint64_t *regs)
{
    uint64_t ext = regs[17], fn = regs[16];
    if (ext == SBI_EXT_TIME && fn == 0) {       /* sbi_set_timer(stime) */
        *mtimecmp() = regs[10];
        csr_clear(mip, MIP_STIP);
        csr_set(mie, MIE_MTIE);
        regs[10] = SBI_SUCCESS;
    } else {
        regs[10] = (uint64_t)SBI_ERR_NOT_SUPPORTED;
    }
    regs[11] = 0;
}

/* Called by m_trap_vector with the interrupted registers (x1..x31 at regs[i]). */
void m_trap(uint64_t *regs)
{
    uint64_t mcause = csr_read(mcause);

    if (mcause == (CAUSE_INTERRUPT | IRQ_M_TIMER)) {
        csr_clear(mie, MIE_MTIE);               /* until the next set_timer */
        csr_set(mip, MIP_STIP);                 /* pass the tick to S-mode */
    } else if (mcause == CAUSE_ECALL_S) {
        sbi_call(regs);
        csr_write(mepc, csr_read(mepc) + 4);    /* skip the ecall */
    } else {
        kprintf("[m-mode] unexpected trap: mcause=%lx mepc=%lx mtval=%lx\n",
                mcause, csr_read(mepc), csr_read(mtval));
        poweroff(1);
    }
}

/*
 * plic.c - the platform-level interrupt controller. Each hart has two
 * contexts, M-mode (2*hart) and S-mode (2*hart + 1); this kernel uses
 * the S-mode context of hart 0 and one source: the UART (10).
 */
#include "kernel.h"

#define S_CONTEXT 1     /* hart 0, S-mode */

#define PLIC_PRIORITY(irq)      (PLIC_BASE + 4 * (irq))
#define PLIC_ENABLE(ctx)        (PLIC_BASE + 0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx)     (PLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)         (PLIC_BASE + 0x200004 + 0x1000 * (ctx))

#define REG(addr) (*(volatile uint32_t *)(addr))

void plic_init(void)
{
    REG(PLIC_PRIORITY(UART0_IRQ)) = 1;              /* 0 would mean "never" */
    REG(PLIC_ENABLE(S_CONTEXT)) = 1u << UART0_IRQ;  /* sources 0..31 */
    REG(PLIC_THRESHOLD(S_CONTEXT)) = 0;             /* let every priority through */
}

/* Which source interrupted (0: none); it stays masked until plic_complete. */
int plic_claim(void)
{
    return (int)REG(PLIC_CLAIM(S_CONTEXT));
}

void plic_complete(int irq)
{
    REG(PLIC_CLAIM(S_CONTEXT)) = (uint32_t)irq;
}

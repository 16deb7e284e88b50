/*
 * riscv.h - control and status registers (CSRs) and their bits, named as
 * in the RISC-V privileged specification.
 */
#ifndef RISCV_H
#define RISCV_H

#include <stdint.h>

#define csr_read(csr) ({ uint64_t __v; \
    __asm__ volatile("csrr %0, " #csr : "=r"(__v)); __v; })
#define csr_write(csr, val) \
    __asm__ volatile("csrw " #csr ", %0" : : "r"((uint64_t)(val)))
#define csr_set(csr, bits) \
    __asm__ volatile("csrs " #csr ", %0" : : "r"((uint64_t)(bits)))
#define csr_clear(csr, bits) \
    __asm__ volatile("csrc " #csr ", %0" : : "r"((uint64_t)(bits)))

/* mstatus / sstatus */
#define MSTATUS_MPP_MASK    (3UL << 11)
#define MSTATUS_MPP_S       (1UL << 11)     /* mret goes to S-mode */
#define SSTATUS_SIE         (1UL << 1)
#define SSTATUS_SPIE        (1UL << 5)
#define SSTATUS_SPP         (1UL << 8)      /* trap came from S-mode */
#define SSTATUS_SUM         (1UL << 18)     /* S-mode may touch user pages */

/* Interrupt numbers: bit positions in mip/mie/sip/sie and mcause/scause codes */
#define IRQ_S_SOFT      1
#define IRQ_S_TIMER     5
#define IRQ_M_TIMER     7
#define IRQ_S_EXT       9
#define MIP_STIP        (1UL << IRQ_S_TIMER)
#define MIP_MTIP        (1UL << IRQ_M_TIMER)
#define MIE_MTIE        MIP_MTIP
#define SIE_STIE        (1UL << IRQ_S_TIMER)
#define SIE_SEIE        (1UL << IRQ_S_EXT)

/* mcause/scause: top bit set for interrupts */
#define CAUSE_INTERRUPT         (1UL << 63)
#define CAUSE_ILLEGAL_INSN      2
#define CAUSE_ECALL_U           8
#define CAUSE_ECALL_S           9
#define CAUSE_INSN_PAGE_FAULT   12
#define CAUSE_LOAD_PAGE_FAULT   13
#define CAUSE_STORE_PAGE_FAULT  15

/* satp */
#define SATP_MODE_SV39  (8UL << 60)

/* Sv39 page table entries */
#define PTE_V   (1UL << 0)
#define PTE_R   (1UL << 1)
#define PTE_W   (1UL << 2)
#define PTE_X   (1UL << 3)
#define PTE_U   (1UL << 4)
#define PTE_G   (1UL << 5)
#define PTE_A   (1UL << 6)
#define PTE_D   (1UL << 7)

#define PAGE_SIZE 4096UL

static inline void sfence_vma(void)
{
    __asm__ volatile("sfence.vma zero, zero" : : : "memory");
}

#endif

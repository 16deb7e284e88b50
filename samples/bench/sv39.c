/*
 * sv39.c - an S-mode program under Sv39 paging. M-mode maps the first 8 MiB of RAM with
 * 4 KiB pages (identity, A and D preset) and the MMIO region with one gigapage, then drops
 * to S-mode, which runs an integer and memory mix over a 2 MiB buffer (512 pages, so the
 * TLB keeps missing), prints its checksum and powers off (all from S-mode).
 */
#include "bench.h"

#ifndef REPS
#define REPS 120
#endif

#define PTE_V 1
#define PTE_R 2
#define PTE_W 4
#define PTE_X 8
#define PTE_A 64
#define PTE_D 128
#define RAM 0x80000000ul
#define MAPPED (8ul << 20)

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[MAPPED / (2ul << 20)][512] __attribute__((aligned(4096)));

#define BUFWORDS (1u << 18) /* 2 MiB of uint64_t */
static uint64_t buf[BUFWORDS];

extern void bench_exit(long status) __attribute__((noreturn));

static uint64_t __attribute__((noinline)) pass(void)
{
    BARRIER();
    uint64_t sum = 0, x = 88172645463325252ull;
    for (uint32_t i = 0; i < BUFWORDS; i++)
        buf[i] = i * 0x9e3779b97f4a7c15ull;
    for (int rep = 0; rep < REPS; rep++) {
        for (uint32_t k = 0; k < 8192; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            uint32_t j = (uint32_t)x & (BUFWORDS - 1);
            buf[j] += x >> 11;
            sum += buf[(j * 513u) & (BUFWORDS - 1)] ^ (x % 1009);
        }
        for (uint32_t p = rep & 511; p < BUFWORDS; p += 512)
            sum += buf[p];
    }
    return sum;
}

static void __attribute__((noreturn)) s_main(void)
{
    bench_exit(run_passes("sv39", pass));
}

static void __attribute__((noreturn, aligned(4))) m_trap(void)
{
    uint64_t cause;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    puts_("sv39: unexpected trap, mcause ");
    puthex(cause);
    putc_('\n');
    bench_exit(2);
}

int main(void)
{
    root[0] = (0ul >> 2) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D; /* MMIO gigapage */
    root[2] = (((uint64_t)l1 >> 12) << 10) | PTE_V;
    for (unsigned t = 0; t < sizeof l0 / sizeof l0[0]; t++) {
        l1[t] = (((uint64_t)l0[t] >> 12) << 10) | PTE_V;
        for (unsigned e = 0; e < 512; e++) {
            uint64_t pa = RAM + ((uint64_t)t << 21) + ((uint64_t)e << 12);
            l0[t][e] = ((pa >> 12) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
        }
    }
    /* S-mode needs a PMP entry (QEMU denies it memory without one): NAPOT over [0, 2^56).
       Not the all-ones entry: QEMU 7.2 then stops caching any page in its TLB (slow). */
    __asm__ volatile("csrw pmpaddr0, %0; csrw pmpcfg0, %1" ::"r"((1ul << 53) - 1), "r"(0x1ful));
    uint64_t satp = (8ul << 60) | ((uint64_t)root >> 12);
    __asm__ volatile("csrw mtvec, %0" ::"r"(m_trap));
    __asm__ volatile("csrw satp, %0; sfence.vma" ::"r"(satp) : "memory");
    __asm__ volatile("csrw mepc, %0" ::"r"(s_main));
    __asm__ volatile("li t0, 3 << 11; csrc mstatus, t0; li t0, 1 << 11; csrs mstatus, t0; mret" ::: "t0");
    return 1;
}

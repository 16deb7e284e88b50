/*
 * os-user.c - the U-mode program of the `os` benchmark kernel (os.c), linked at 0x1000 on its
 * own (os-user.ld) and embedded in the kernel as two page-aligned images (text, data).
 *
 * Each life of a process: grow the heap with sbrk (the kernel maps its pages only when they
 * are touched: page faults), then ROUNDS rounds of work on the heap, each ending with three
 * system calls (write a line to the kernel's per-process buffer, getpid, yield). Then, unless
 * this was the last generation, fork: the child, in a fresh address space with copies of the
 * parent's pages, gives the copied heap back (sbrk < 0) and lives the next generation seeded
 * with the parent's result; the parent exits with its result, which the kernel checksums.
 *
 * Entered at _ustart with a0 = process index, a1 = seed, a2 = rounds, a3 = generations.
 */
#include <stdint.h>

#include "os-sys.h"

#define HEAP_PAGES 16
#define HEAP_WORDS (HEAP_PAGES * 512)

static inline long sys(long n, long a0, long a1)
{
    register long r0 __asm__("a0") = a0;
    register long r1 __asm__("a1") = a1;
    register long r7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(r0) : "r"(r1), "r"(r7) : "memory");
    return r0;
}

/* Lives this process (and its ancestors) have lived: in .data, so fork copies it. */
static long lives = 0;
static const char hex[16] = "0123456789abcdef";

void __attribute__((noreturn)) umain(long id, uint64_t seed, long rounds, long gens)
{
    for (;;) {
        lives++;
        volatile uint64_t *heap = (volatile uint64_t *)sys(SYS_SBRK, HEAP_PAGES * 4096, 0);
        uint64_t x = seed ^ ((uint64_t)lives << 32) ^ (uint64_t)id, sum = 0;
        for (long r = 0; r < rounds; r++) {
            for (int k = 0; k < 8; k++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                uint32_t j = (uint32_t)(x >> 20) & (HEAP_WORDS - 1);
                heap[j] += x;
                sum = sum * 31 + heap[(j * 5 + (uint32_t)r) & (HEAP_WORDS - 1)];
            }
            char line[24];
            line[0] = 'p';
            line[1] = hex[id & 15];
            line[2] = ' ';
            for (int i = 0; i < 16; i++)
                line[3 + i] = hex[(sum >> (60 - 4 * i)) & 15];
            line[19] = '\n';
            sys(SYS_WRITE, (long)line, 20);
            sum += (uint64_t)sys(SYS_GETPID, 0, 0);
            sys(SYS_YIELD, 0, 0);
        }
        if (lives < gens && sys(SYS_FORK, 0, 0) == 0) {
            /* The child: the copied heap goes back; the next life maps a fresh one. */
            sys(SYS_SBRK, -HEAP_PAGES * 4096, 0);
            seed = sum;
            continue;
        }
        sys(SYS_EXIT, (long)sum, 0);
    }
}

__asm__(".section .text.entry, \"ax\"\n"
        ".globl _ustart\n"
        "_ustart:\n"
        "  call umain\n");

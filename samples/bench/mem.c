/*
 * mem.c - memory-heavy workload over a 4 MiB array (1024 pages; WORDS_LOG2 sets its size): random read-modify-write,
 * strided sums crossing a page on every access, block copies and byte scans.
 */
#include "bench.h"

#ifndef REPS
#define REPS 3
#endif

#ifndef WORDS_LOG2
#define WORDS_LOG2 20 /* 4 MiB of uint32_t */
#endif
#define WORDS (1u << WORDS_LOG2)
static uint32_t a[WORDS];
static uint8_t bytes[1 << 16];

static uint64_t __attribute__((noinline)) pass(void)
{
    BARRIER();
    uint64_t sum = 0;
    uint32_t lcg = 12345;
    for (uint32_t i = 0; i < WORDS; i++)
        a[i] = i * 2654435761u;
    for (int rep = 0; rep < REPS; rep++) {
        /* random read-modify-write */
        for (uint32_t k = 0; k < WORDS / 4; k++) {
            lcg = lcg * 1664525u + 1013904223u;
            uint32_t j = lcg & (WORDS - 1);
            a[j] += lcg >> 7;
            sum += a[(j + 4099) & (WORDS - 1)];
        }
        /* strided sums: one access per page, over every page */
        for (uint32_t off = 0; off < 1024; off += 37)
            for (uint32_t p = off; p < WORDS; p += 1024)
                sum += a[p];
        /* block copies (64-bit words) and a byte scan */
        uint64_t *d = (uint64_t *)a;
        for (uint32_t k = 0; k < 64; k++) {
            uint64_t *src = d + (k * 8191u) % (WORDS / 2 - sizeof bytes / 8);
            uint64_t *dst = (uint64_t *)bytes;
            for (uint32_t w = 0; w < sizeof bytes / 8; w++)
                dst[w] = src[w] ^ w;
        }
        for (uint32_t b = 0; b < sizeof bytes; b++)
            sum += bytes[b] > 0x80;
    }
    return sum;
}

int main(void)
{
    return run_passes("mem", pass);
}

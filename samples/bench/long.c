/*
 * long.c - a guest that runs (practically) forever, for the reverse-execution benchmarks:
 * it calls marker() once at the start (the breakpoint that reverse-continue looks for from
 * the end of a long history), then loops over integer work that writes a 256 KiB array, so
 * snapshots keep having dirty pages. It powers off after ~2^40 iterations.
 */
#include "bench.h"

#define WORDS (1u << 15)
static uint64_t a[WORDS];
volatile uint64_t marked;

void __attribute__((noinline)) marker(void)
{
    marked = 1;
}

int main(void)
{
    uint64_t x = 0x2545f4914f6cdd1dull, sum = 0;
    marker();
    for (uint64_t i = 0; i < (1ull << 40); i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t j = (uint32_t)(x >> 20) & (WORDS - 1);
        a[j] = a[j] * 31 + x;
        sum += a[(j + 1) & (WORDS - 1)];
    }
    puts_("long ");
    puthex(sum);
    putc_('\n');
    return 0;
}

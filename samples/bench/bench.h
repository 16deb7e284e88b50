/*
 * bench.h - what the benchmark guests share: UART output (16550 at 0x10000000) and a
 * 64-bit hex print, so each guest ends by printing a checksum that must be the same on
 * QEMU and on rvrr (a cheap check that both ran the same instructions).
 */
#ifndef BENCH_H
#define BENCH_H
#include <stdint.h>

/*
 * Each guest runs PASSES identical passes of its work (each pass starts from the same state,
 * so it executes the same instructions): N passes take a + N*b instructions. rvrr is timed on
 * 2 passes and counts 1 pass too; QEMU runs many passes (long enough to time well against its
 * start-up), and its count is derived exactly from the two.
 */
#ifndef PASSES
#define PASSES 2
#endif

/* Keeps the compiler from treating a pass as a pure function (and calling it once). */
#define BARRIER() __asm__ volatile("" ::: "memory")

#define UART0 ((volatile uint8_t *)0x10000000UL)

static inline void putc_(char c)
{
    while ((UART0[5] & 0x20) == 0)
        ;
    UART0[0] = (uint8_t)c;
}

static inline void puts_(const char *s)
{
    while (*s)
        putc_(*s++);
}

static inline void puthex(uint64_t v)
{
    for (int i = 60; i >= 0; i -= 4)
        putc_("0123456789abcdef"[(v >> i) & 15]);
}

/*
 * Run the passes; every pass must give the same checksum. Prints "name N passes checksum"
 * and returns 0 (the exit status), or prints a mismatch and returns 1.
 */
static inline int run_passes(const char *name, uint64_t (*pass)(void))
{
    uint64_t first = pass();
    for (int p = 1; p < PASSES; p++) {
        if (pass() != first) {
            puts_(name);
            puts_(": passes differ\n");
            return 1;
        }
    }
    puts_(name);
    putc_(' ');
    char digits[12];
    int n = 0;
    for (unsigned v = PASSES; v != 0; v /= 10)
        digits[n++] = (char)('0' + v % 10);
    while (n > 0)
        putc_(digits[--n]);
    puts_(" passes ");
    puthex(first);
    putc_('\n');
    return 0;
}
#endif

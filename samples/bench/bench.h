/*
 * bench.h - what the benchmark guests share: UART output (16550 at 0x10000000) and a
 * 64-bit hex print, so each guest ends by printing a checksum that must be the same on
 * QEMU and on rvrr (a cheap check that both ran the same instructions).
 */
#ifndef BENCH_H
#define BENCH_H
#include <stdint.h>

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

/* Print "name checksum\n". */
static inline void report(const char *name, uint64_t sum)
{
    puts_(name);
    putc_(' ');
    puthex(sum);
    putc_('\n');
}
#endif

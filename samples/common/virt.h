/*
 * virt.h - the few devices of QEMU's virt board that the bare-metal samples
 * use: the 16550 UART for output and the sifive_test device to power off.
 */
#ifndef VIRT_H
#define VIRT_H

#include <stdint.h>

#define UART0_BASE      0x10000000UL    /* 16550A */
#define UART_THR        0               /* transmit holding register (write) */
#define UART_LSR        5               /* line status register */
#define UART_LSR_THRE   0x20            /* transmitter holding register empty */

#define SIFIVE_TEST     0x100000UL      /* sifive_test "finisher" */
#define FINISHER_PASS   0x5555          /* power off, exit status 0 */
#define FINISHER_FAIL   0x3333          /* power off, exit status in bits 31:16 */

static inline void uart_putc(char c)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART0_BASE;
    while ((uart[UART_LSR] & UART_LSR_THRE) == 0)
        ;                               /* wait until the UART can take a byte */
    uart[UART_THR] = (uint8_t)c;
}

static inline void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

/* Print an unsigned number in decimal. */
static inline void uart_putu(unsigned long n)
{
    char buf[20];
    int i = 0;
    do {
        buf[i++] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    while (i > 0)
        uart_putc(buf[--i]);
}

/* Print a signed number in decimal. */
static inline void uart_putd(long n)
{
    if (n < 0) {
        uart_putc('-');
        uart_putu(-(unsigned long)n);
    } else {
        uart_putu((unsigned long)n);
    }
}

/*
 * Power the board off. Status 0 writes FINISHER_PASS (QEMU exits with 0);
 * any other status writes FINISHER_FAIL with the status in the upper half
 * (QEMU exits with that status).
 */
static inline __attribute__((noreturn)) void poweroff(int status)
{
    volatile uint32_t *test = (volatile uint32_t *)SIFIVE_TEST;
    if (status == 0)
        *test = FINISHER_PASS;
    else
        *test = FINISHER_FAIL | ((uint32_t)status << 16);
    for (;;)
        ;                               /* not reached on QEMU */
}

#endif

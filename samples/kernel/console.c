/*
 * console.c - the 16550 UART: polled output, interrupt-driven input.
 *
 * Output waits for the transmitter to be empty and writes one byte.
 * Input raises UART interrupt 10 at the PLIC; uart_intr() echoes each
 * typed character and keeps it in a small buffer for the getc syscall.
 */
#include <stdarg.h>
#include "kernel.h"

#define RBR 0   /* receive buffer (read) */
#define THR 0   /* transmit holding (write) */
#define IER 1   /* interrupt enable */
#define FCR 2   /* FIFO control (write) */
#define LCR 3   /* line control */
#define MCR 4   /* modem control */
#define LSR 5   /* line status */

#define IER_RX_AVAILABLE 0x01
#define FCR_ENABLE_CLEAR 0x07   /* enable FIFOs and clear both */
#define LCR_8N1          0x03
#define MCR_OUT2         0x08   /* gates the interrupt line on a real 16550 */
#define LSR_DATA_READY   0x01
#define LSR_THR_EMPTY    0x20

static volatile uint8_t *const uart = (volatile uint8_t *)UART0_BASE;

/* Characters typed but not read yet by a process (getc). */
static char input[16];
static unsigned input_head, input_tail;

void uart_init(void)
{
    uart[IER] = 0;
    uart[LCR] = LCR_8N1;
    uart[FCR] = FCR_ENABLE_CLEAR;
    uart[MCR] = MCR_OUT2;
    uart[IER] = IER_RX_AVAILABLE;
}

void kputc(char c)
{
    while ((uart[LSR] & LSR_THR_EMPTY) == 0)
        ;
    uart[THR] = (uint8_t)c;
}

static void kputs(const char *s)
{
    while (*s)
        kputc(*s++);
}

static void kputnum(uint64_t n, unsigned base, int negative)
{
    char buf[24];
    int i = 0;
    do {
        buf[i++] = "0123456789abcdef"[n % base];
        n /= base;
    } while (n);
    if (negative)
        kputc('-');
    while (i)
        kputc(buf[--i]);
}

/* printf with %d %u %x %s %c, and %ld %lu %lx for 64-bit values. */
void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            kputc(*fmt);
            continue;
        }
        int is_long = 0;
        if (*++fmt == 'l') {
            is_long = 1;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            int64_t v = is_long ? va_arg(ap, int64_t) : va_arg(ap, int);
            kputnum(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0);
            break;
        }
        case 'u':
            kputnum(is_long ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, 0);
            break;
        case 'x':
            kputnum(is_long ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, 0);
            break;
        case 's':
            kputs(va_arg(ap, const char *));
            break;
        case 'c':
            kputc((char)va_arg(ap, int));
            break;
        default:
            kputc('%');
            kputc(*fmt);
        }
    }
    va_end(ap);
}

/* UART interrupt: drain the receiver, echo each byte, buffer it for getc. */
void uart_intr(void)
{
    while (uart[LSR] & LSR_DATA_READY) {
        char c = (char)uart[RBR];
        if (c >= ' ' && c <= '~')
            kprintf("[kernel] you typed: %c\n", c);
        else
            kprintf("[kernel] you typed: 0x%x\n", (unsigned)(uint8_t)c);
        if (input_head - input_tail < sizeof input)
            input[input_head++ % sizeof input] = c;
    }
}

/* Next buffered character, or -1 if nothing was typed. */
int console_getc(void)
{
    if (input_tail == input_head)
        return -1;
    return (uint8_t)input[input_tail++ % sizeof input];
}

/* The sifive_test device: 0x5555 powers off, 0x3333 | status << 16 fails. */
void poweroff(int status)
{
    volatile uint32_t *test = (volatile uint32_t *)SIFIVE_TEST;
    *test = status == 0 ? 0x5555 : 0x3333 | ((uint32_t)status << 16);
    for (;;)
        ;
}

void panic(const char *why)
{
    kprintf("[kernel] panic: %s\n", why);
    poweroff(2);
}

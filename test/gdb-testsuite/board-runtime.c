/*
 * board-runtime.c - what a GDB testsuite program needs from the rvrr board besides picolibc:
 * exit() powers the virt board off through sifive_test (rvrr and QEMU end the run with the
 * program's status), and stdin/stdout/stderr (also as file descriptors 0-2 for read and
 * write) are the 16550 UART. The runner compiles it once
 * per run and the board links it into every test program.
 */
#include <stdio.h>
#include <stdint.h>
#include <unistd.h>
#include <errno.h>

#define UART0_BASE      0x10000000UL
#define UART_THR        0
#define UART_RBR        0
#define UART_LSR        5
#define UART_LSR_DR     0x01
#define UART_LSR_THRE   0x20
#define SIFIVE_TEST     0x100000UL
#define FINISHER_PASS   0x5555
#define FINISHER_FAIL   0x3333

static int uart_putc(char c, FILE *f)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART0_BASE;
    (void)f;
    while ((uart[UART_LSR] & UART_LSR_THRE) == 0)
        ;
    uart[UART_THR] = (uint8_t)c;
    return (unsigned char)c;
}

static int uart_getc(FILE *f)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART0_BASE;
    (void)f;
    while ((uart[UART_LSR] & UART_LSR_DR) == 0)
        ;
    return uart[UART_RBR];
}

static FILE uart_file = FDEV_SETUP_STREAM(uart_putc, uart_getc, NULL, _FDEV_SETUP_RW);
FILE *const stdin = &uart_file;
FILE *const stdout = &uart_file;
FILE *const stderr = &uart_file;

ssize_t write(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        uart_putc(p[i], stdout);
    return (ssize_t)n;
}

/* Blocks for the first byte, then returns what the UART already holds, as a terminal does. */
ssize_t read(int fd, void *buf, size_t n)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART0_BASE;
    char *p = buf;
    size_t i = 0;
    if (fd != 0) {
        errno = EBADF;
        return -1;
    }
    while (i < n && (i == 0 || (uart[UART_LSR] & UART_LSR_DR) != 0))
        p[i++] = (char)uart_getc(stdin);
    return (ssize_t)i;
}

/* picolibc's exit() ends here after running the atexit handlers. */
void __attribute__((noreturn)) _exit(int status)
{
    volatile uint32_t *test = (volatile uint32_t *)SIFIVE_TEST;
    if (status == 0)
        *test = FINISHER_PASS;
    else
        *test = FINISHER_FAIL | ((uint32_t)(status & 0xffff) << 16);
    for (;;)
        ;
}

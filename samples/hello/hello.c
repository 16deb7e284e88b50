/*
 * hello.c - the smallest useful guest: print, compute, power off.
 *
 * Runs on QEMU's virt board (and rvrr) with -bios none: crt0.S enters
 * main() in M-mode on hart 0. Try it under gdb:
 *
 *   break square       stop each time square() is called
 *   finish             run to its return and show the value
 *   p total            the global running sum
 *   p sq               a local of main()
 *   step / next        walk through the loop line by line
 */
#include "../common/virt.h"

#define COUNT 5

/* Global: the running sum of squares, visible from anywhere (`p total`). */
unsigned long total;

/* Return n squared. A separate function so `step` and `finish` have a target. */
unsigned long square(unsigned long n)
{
    unsigned long result = n * n;
    return result;
}

int main(void)
{
    uart_puts("Hello from RISC-V!\n");

    for (unsigned long i = 1; i <= COUNT; i++) {
        unsigned long sq = square(i);   /* local: `p sq` after this line */
        total += sq;
        uart_puts("  ");
        uart_putu(i);
        uart_puts(" squared is ");
        uart_putu(sq);
        uart_puts(", running total ");
        uart_putu(total);
        uart_puts("\n");
    }

    uart_puts("Sum of the first ");
    uart_putu(COUNT);
    uart_puts(" squares: ");
    uart_putu(total);
    uart_puts("\nBye.\n");
    return 0;                           /* crt0.S powers off with status 0 */
}

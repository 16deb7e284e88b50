/*
 * The whole userland of the rvrr Linux sample: PID 1, static, no libc.
 * It says hello on the console and powers the machine off. Linux hands
 * power-off to SBI (the SRST extension), which OpenSBI carries out by
 * writing to the virt board's sifive_test device.
 *
 * Built by build.sh with:
 *   riscv64-linux-gnu-gcc -static -nostdlib -ffreestanding -O2 -o init init.c
 */

/* riscv64 Linux system call numbers (asm-generic/unistd.h). */
#define SYS_write 64
#define SYS_reboot 142

/* reboot(2) magic numbers and command (linux/reboot.h). */
#define LINUX_REBOOT_MAGIC1 0xfee1deadUL
#define LINUX_REBOOT_MAGIC2 672274793UL
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321fedcUL

static long syscall4(long n, long a0, long a1, long a2, long a3)
{
	register long r_a0 __asm__("a0") = a0;
	register long r_a1 __asm__("a1") = a1;
	register long r_a2 __asm__("a2") = a2;
	register long r_a3 __asm__("a3") = a3;
	register long r_a7 __asm__("a7") = n;
	__asm__ volatile("ecall"
			 : "+r"(r_a0)
			 : "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a7)
			 : "memory");
	return r_a0;
}

static const char message[] = "Hello from init on rvrr's Linux sample, powering off\n";

void _start(void)
{
	/* The kernel opened /dev/console as fds 0, 1 and 2 before running
	 * us; that works because build.sh puts the device node in the cpio. */
	syscall4(SYS_write, 1, (long)message, sizeof(message) - 1, 0);
	syscall4(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		 LINUX_REBOOT_CMD_POWER_OFF, 0);
	/* reboot only returns on failure. PID 1 must never exit (the kernel
	 * would panic), and wfi is illegal in U-mode: just spin. */
	for (;;)
		;
}

/*
 * main.c - the S-mode kernel: boot, then shut down when every process
 * has exited.
 *
 * Boot order: console, Sv39 paging, interrupt controller, trap vector,
 * disk, processes, timer; then the first process runs in U-mode and the
 * kernel only runs again when a trap brings it back (trap.c).
 */
#include "kernel.h"

#define BOOT_COUNTER_OFFSET 508         /* u32 in sector 0, after the message */

static int have_disk;
static uint8_t sector[512] __attribute__((aligned(8)));

void s_main(void)
{
    uart_init();
    kprintf("[kernel] booting in S-mode\n");

    vm_init();
    kprintf("[kernel] Sv39 paging on\n");

    plic_init();
    csr_write(stvec, (uint64_t)s_trap_vector);
    csr_set(sstatus, SSTATUS_SUM);      /* syscalls read user buffers */
    csr_set(sie, SIE_STIE | SIE_SEIE);  /* taken while in user mode */

    have_disk = disk_init();
    if (have_disk && disk_rw(0, sector, 0) == 0) {
        sector[BOOT_COUNTER_OFFSET - 1] = 0;    /* the message ends before the counter */
        kprintf("[kernel] disk sector 0 says: %s\n", (char *)sector);
    } else {
        have_disk = 0;
        kprintf("[kernel] no disk\n");
    }

    proc_create("ping");
    proc_create("pong");

    sbi_set_timer(mtime_now() + TICK_INTERVAL);
    kprintf("[kernel] starting processes\n");
    proc_start();
}

/* Every process has exited: report, update the disk, power off. */
void shutdown(void)
{
    kprintf("[kernel] all processes have exited\n");
    for (int i = 0; i < MAX_PROCS; i++)
        kprintf("[kernel]   pid %d (%s): exit status %ld\n",
                procs[i].pid, procs[i].name, procs[i].exit_status);

    if (have_disk) {
        /* Increment the boot counter, write it back, and read it back. */
        uint32_t *counter = (uint32_t *)&sector[BOOT_COUNTER_OFFSET];
        disk_rw(0, sector, 0);
        *counter += 1;
        disk_rw(0, sector, 1);
        memset(sector, 0, sizeof sector);
        disk_rw(0, sector, 0);
        kprintf("[kernel] disk boot counter is now %u (read back from sector 0)\n",
                *counter);
    } else {
        kprintf("[kernel] no disk to update\n");
    }
    kprintf("[kernel] powering off\n");
    poweroff(0);
}

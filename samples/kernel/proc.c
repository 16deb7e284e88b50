/*
 * proc.c - processes, the round-robin scheduler and the system calls.
 *
 * A process is its registers (struct trapframe) and its page table. Each
 * one gets a private copy of the user program (user.c, linked at
 * USER_BASE) and a stack page. Switching process = switching page table
 * and returning to user mode with the other process's trapframe.
 */
#include "kernel.h"
#include "syscall.h"

/* The user program as a flat binary, embedded by userimage.S. */
extern char user_image_start[], user_image_end[];

struct proc procs[MAX_PROCS];
struct proc *current;               /* the process running (or that trapped) */
unsigned long ticks;                /* timer interrupts so far */

uint64_t mtime_now(void)
{
    return *(volatile uint64_t *)CLINT_MTIME;
}

/* SBI TIME extension, set_timer: served by mtrap.c in M-mode. */
void sbi_set_timer(uint64_t when)
{
    register uint64_t a0 __asm__("a0") = when;
    register uint64_t a6 __asm__("a6") = 0;             /* function 0 */
    register uint64_t a7 __asm__("a7") = 0x54494D45;    /* "TIME" */
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a6), "r"(a7) : "a1", "memory");
}

void proc_create(const char *name)
{
    struct proc *p = 0;
    for (int i = 0; i < MAX_PROCS; i++) {
        if (procs[i].state == UNUSED) {
            p = &procs[i];
            p->pid = i + 1;
            break;
        }
    }
    if (!p)
        panic("too many processes");

    uint64_t size = user_image_end - user_image_start;
    if (size > USER_IMAGE_SIZE)
        panic("user program too big");

    p->pagetable = vm_new_user_pagetable();
    for (uint64_t off = 0; off < USER_IMAGE_SIZE; off += PAGE_SIZE) {
        char *page = alloc_page();              /* zeroed: that is the bss */
        if (off < size)
            memcpy(page, user_image_start + off, size - off < PAGE_SIZE ? size - off : PAGE_SIZE);
        vm_map_page(p->pagetable, USER_BASE + off, (uint64_t)page,
                    PTE_R | PTE_W | PTE_X | PTE_U);
    }
    vm_map_page(p->pagetable, USER_STACK_TOP - PAGE_SIZE, (uint64_t)alloc_page(),
                PTE_R | PTE_W | PTE_U);

    p->name = name;
    p->tf.sepc = USER_BASE;                     /* _start of user.elf */
    p->tf.sp = USER_STACK_TOP;
    p->state = RUNNABLE;
    kprintf("[kernel] created process %d (%s)\n", p->pid, name);
}

/* Make p the running process: its page table, its registers on the next sret. */
static struct trapframe *switch_to(struct proc *p)
{
    current = p;
    vm_switch(p->pagetable);
    return &p->tf;
}

/* Round robin: the next runnable process after the current one. */
struct trapframe *schedule(void)
{
    int start = current ? (int)(current - procs) : MAX_PROCS - 1;
    for (int i = 1; i <= MAX_PROCS; i++) {
        struct proc *p = &procs[(start + i) % MAX_PROCS];
        if (p->state == RUNNABLE)
            return switch_to(p);
    }
    shutdown();                                 /* nobody left to run */
}

/* Enter user mode for the first time. */
void proc_start(void)
{
    uint64_t sstatus = csr_read(sstatus);
    sstatus &= ~SSTATUS_SPP;                    /* sret to U-mode */
    sstatus |= SSTATUS_SPIE;
    csr_write(sstatus, sstatus);
    s_trap_return(schedule());
}

static struct trapframe *proc_exit(long status)
{
    current->state = EXITED;
    current->exit_status = status;
    kprintf("[kernel] process %d (%s) exited with status %ld\n",
            current->pid, current->name, status);
    return schedule();
}

/* The current process did something wrong: end it. */
struct trapframe *proc_kill(const char *why)
{
    kprintf("[kernel] process %d (%s): %s at pc %lx (stval %lx), killed\n",
            current->pid, current->name, why, current->tf.sepc, csr_read(stval));
    return proc_exit(-1);
}

/* Is [buf, buf + len) inside one of the regions mapped for the process? */
static int user_range_ok(uint64_t buf, uint64_t len)
{
    uint64_t stack_bottom = USER_STACK_TOP - PAGE_SIZE;
    if (buf >= USER_BASE && buf <= USER_BASE + USER_IMAGE_SIZE)
        return len <= USER_BASE + USER_IMAGE_SIZE - buf;
    if (buf >= stack_bottom && buf <= USER_STACK_TOP)
        return len <= USER_STACK_TOP - buf;
    return 0;
}

static long sys_write(uint64_t buf, uint64_t len)
{
    /* A bad pointer must not make the kernel itself fault. */
    if (!user_range_ok(buf, len))
        return -1;
    const char *s = (const char *)buf;      /* readable thanks to sstatus.SUM */
    for (uint64_t i = 0; i < len; i++)
        kputc(s[i]);
    return (long)len;
}

/* An ecall from user mode: a7 = number, a0.. = arguments, result in a0. */
struct trapframe *syscall(struct trapframe *tf)
{
    tf->sepc += 4;                          /* return after the ecall */
    switch (tf->a7) {
    case SYS_write:
        tf->a0 = sys_write(tf->a0, tf->a1);
        return tf;
    case SYS_getpid:
        tf->a0 = current->pid;
        return tf;
    case SYS_yield:
        tf->a0 = 0;
        return schedule();
    case SYS_getc:
        tf->a0 = console_getc();
        return tf;
    case SYS_exit:
        return proc_exit((long)tf->a0);
    default:
        tf->a0 = -1;
        return tf;
    }
}

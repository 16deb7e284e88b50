/*
 * os.c - a tiny kernel as an OS-heavy benchmark: many processes, system calls, page faults and
 * page-table switches, on NHARTS harts (os: 1, os3: 3).
 *
 * M-mode (m_main) delegates exceptions to S-mode and drops there. The kernel (s_main, one per
 * hart) builds its own Sv39 tables and runs PASSES identical passes. A pass starts NPROC
 * U-mode processes (os-user.c) and runs them, and the children they fork, for GENS generations,
 * round-robin: a process runs until it yields or exits. Every process has its own Sv39 root;
 * every trap goes through the trampoline page (os-start.S), which switches satp to the kernel's
 * table and back with sfence.vma around each write, as xv6 does. System calls: yield, write
 * (copied in through the process's page table, walked in software), exit, sbrk (grows the heap
 * lazily; shrinking unmaps), fork (a fresh address space with copies of the parent's pages) and
 * getpid. Heap and stack pages are mapped on their first touch (page faults).
 *
 * A pass's checksum covers every process's pid, exit status, output and counts, so every pass
 * gives the same one. There is no timer: scheduling depends only on the program (yield), so a
 * pass executes exactly the same instructions every time, and N passes take a + N*b.
 *
 * Several harts: each hart runs its own kernel instance (own processes, page pool, page
 * tables); they share only counters, updated with amoadd, and the `done` count. No lock is
 * needed, since no shared data is ever updated by more than one instruction; and none is
 * wanted, since spinning would make the instruction count depend on how the harts interleave.
 * The last hart to finish (amoadd on `done`) checks the counters, prints the report for all
 * harts and powers off; the others park in wfi.
 */
#include "bench.h"

#ifndef NHARTS
#define NHARTS 1
#endif
#ifndef GENS
#define GENS 8
#endif
#ifndef ROUNDS
#define ROUNDS 120
#endif
#if NHARTS == 1
#define NAME "os"
#else
#define NAME "os3"
#endif

#define NPROC 8
#define NSLOT (2 * NPROC) /* a generation and the children it forks */
#define PGSIZE 4096ul
#define POOL_PAGES 1024 /* per hart: 4 MiB */
#define KERNEL_MAPPED (32ul << 20)
#define RAM 0x80000000ul

/* Virtual addresses (os-start.S, os-user.ld). */
#define TRAMPOLINE 0x3ffffff000ul
#define TRAPFRAME 0x3fffffe000ul
#define UTEXT 0x1000ul
#define UDATA 0x10000ul
#define HEAP_BASE 0x20000ul
#define HEAP_MAX 0x100000ul
#define STACK_TOP 0x200000ul
#define STACK_LO (STACK_TOP - 16 * PGSIZE)

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE_SHARED (1ul << 8) /* software bit: the page is not this process's to free */
#define PTE_PA(pte) (((pte) >> 10) << 12)
#define PA_PTE(pa) (((uint64_t)(pa) >> 12) << 10)
#define SATP(root) ((8ul << 60) | ((uint64_t)(root) >> 12))

#include "os-sys.h"

/* Saved by uservec / loaded by userret (os-start.S): x[n - 1] is register xn. */
struct trapframe {
    uint64_t kernel_satp, kernel_ctx, kernel_trap, epc, pad;
    uint64_t x[31];
};
#define REG_SP 1
#define REG_A0 9
#define REG_A1 10
#define REG_A2 11
#define REG_A3 12
#define REG_A7 16

/* The kernel's callee-saved registers while a process runs (run_user / kret). */
struct kctx {
    uint64_t ra, sp, tp, s[12];
};

enum { FREE, RUNNABLE, WAITING };

struct proc {
    int state;
    uint64_t pid;
    uint64_t *pagetable;
    struct trapframe *tf;
    uint64_t brk;
    uint64_t out_hash;
    uint32_t out_len, faults, syscalls;
    uint8_t out[256]; /* the last 256 bytes written */
};

/* One hart's kernel. */
struct cpu {
    struct kctx ctx;
    struct proc procs[NSLOT];
    uint64_t *freelist;
    uint64_t nfree, nfree_idle;
    uint64_t kernel_satp, userret_va;
    uint64_t next_pid, hash, checksum;
    uint64_t syscalls, faults, forks, exits; /* over all passes */
    int bad;
} __attribute__((aligned(64)));

static struct cpu cpus[NHARTS];

/*
 * PASSES as data, not a constant: then every variant (1, 2, N passes) has the same code, and
 * gcc cannot compile a pass differently when it is called once (it did: 0.5% more instructions).
 * One digit, so that printing it costs the same in every variant.
 */
#if PASSES < 1 || PASSES > 9
#error PASSES must be 1..9
#endif
static volatile uint32_t npasses = PASSES;

/* Shared by the harts: updated only with amoadd. In .data, so no hart has to clear it. */
static struct {
    uint64_t syscalls, faults, forks, exits, done;
} shared __attribute__((section(".data"))) = {0, 0, 0, 0, 0};

extern char _end[], trampoline[], userret[], utext[], utext_end[], udata[], udata_end[];
extern void run_user(struct kctx *ctx, uint64_t satp, uint64_t userret_va);
extern void kret(void);
extern void kernelvec(void);

#define CSRW(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"r"(v))
#define CSRR(csr) ({ uint64_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })

static void __attribute__((noreturn)) poweroff(uint32_t status)
{
    *(volatile uint32_t *)0x100000ul = status == 0 ? 0x5555 : 0x3333 | status << 16;
    for (;;)
        __asm__ volatile("wfi");
}

static void __attribute__((noreturn)) panic(const char *what, uint64_t v)
{
    puts_(NAME ": ");
    puts_(what);
    putc_(' ');
    puthex(v);
    putc_('\n');
    poweroff(2);
}

static inline struct cpu *mycpu(void)
{
    uint64_t h;
    __asm__("mv %0, tp" : "=r"(h));
    return &cpus[h];
}

static inline uint64_t mix(uint64_t h, uint64_t v)
{
    h = (h + v) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

static inline void count(uint64_t *shared_counter)
{
    __atomic_fetch_add(shared_counter, 1, __ATOMIC_RELAXED); /* amoadd.d */
}

/* ---- pages ---- */

static void zero_page(uint64_t *p)
{
    for (uint64_t *e = p + 512; p < e; p += 8) {
        p[0] = 0; p[1] = 0; p[2] = 0; p[3] = 0;
        p[4] = 0; p[5] = 0; p[6] = 0; p[7] = 0;
    }
}

static void copy_page(uint64_t *d, const uint64_t *s)
{
    for (uint64_t *e = d + 512; d < e; d += 8, s += 8) {
        uint64_t a = s[0], b = s[1], c = s[2], f = s[3];
        d[0] = a; d[1] = b; d[2] = c; d[3] = f;
        a = s[4]; b = s[5]; c = s[6]; f = s[7];
        d[4] = a; d[5] = b; d[6] = c; d[7] = f;
    }
}

static void kfree(struct cpu *c, void *pa)
{
    *(uint64_t **)pa = c->freelist;
    c->freelist = pa;
    c->nfree++;
}

/* A page from this hart's pool, not cleared. */
static uint64_t *kalloc_raw(struct cpu *c)
{
    uint64_t *p = c->freelist;
    if (p == 0)
        panic("out of pages", 0);
    c->freelist = *(uint64_t **)p;
    c->nfree--;
    return p;
}

static uint64_t *kalloc(struct cpu *c)
{
    uint64_t *p = kalloc_raw(c);
    zero_page(p);
    return p;
}

/* ---- page tables ---- */

/* The level-0 PTE of `va`, allocating the tables on the way if `alloc`; 0 if absent. */
static uint64_t *walk(struct cpu *c, uint64_t *pt, uint64_t va, int alloc)
{
    for (int level = 2; level > 0; level--) {
        uint64_t *pte = &pt[(va >> (12 + 9 * level)) & 511];
        if (*pte & PTE_V) {
            pt = (uint64_t *)PTE_PA(*pte);
        } else {
            if (!alloc)
                return 0;
            pt = kalloc(c);
            *pte = PA_PTE(pt) | PTE_V;
        }
    }
    return &pt[(va >> 12) & 511];
}

static void map(struct cpu *c, uint64_t *pt, uint64_t va, void *pa, uint64_t flags)
{
    /* A and D preset: no hardware or fault-driven A/D updates to differ on. */
    *walk(c, pt, va, 1) = PA_PTE(pa) | flags | PTE_V | PTE_A | ((flags & PTE_W) ? PTE_D : 0);
}

/* Free a process's tables and the pages it owns (xv6's freewalk). */
static void freewalk(struct cpu *c, uint64_t *pt)
{
    for (int i = 0; i < 512; i++) {
        uint64_t pte = pt[i];
        if (!(pte & PTE_V))
            continue;
        if (pte & (PTE_R | PTE_W | PTE_X)) {
            if (!(pte & PTE_SHARED))
                kfree(c, (void *)PTE_PA(pte));
        } else {
            freewalk(c, (uint64_t *)PTE_PA(pte));
        }
    }
    kfree(c, pt);
}

/* A fresh address space: the trampoline and a new trapframe page mapped at the top. */
static void proc_pagetable(struct cpu *c, struct proc *p)
{
    p->pagetable = kalloc(c);
    map(c, p->pagetable, TRAMPOLINE, trampoline, PTE_R | PTE_X | PTE_SHARED);
    p->tf = (struct trapframe *)kalloc(c);
    map(c, p->pagetable, TRAPFRAME, p->tf, PTE_R | PTE_W);
}

/* The level-0 table of the user region (the first 2 MiB, where all user pages are). */
static uint64_t *user_l0(uint64_t *root)
{
    uint64_t *l1 = (uint64_t *)PTE_PA(root[0]);
    return (uint64_t *)PTE_PA(l1[0]);
}

/* ---- processes ---- */

static struct proc *free_slot(struct cpu *c)
{
    for (int s = 0; s < NSLOT; s++)
        if (c->procs[s].state == FREE)
            return &c->procs[s];
    panic("no free process slot", 0);
}

static void proc_init(struct cpu *c, struct proc *p, int state)
{
    p->state = state;
    p->pid = c->next_pid++;
    p->out_hash = 0xcbf29ce484222325ull;
    p->out_len = p->faults = p->syscalls = 0;
}

/* exec-like: a new process from the embedded image (text shared, data copied). */
static void spawn(struct cpu *c, long index, uint64_t seed)
{
    struct proc *p = free_slot(c);
    proc_init(c, p, RUNNABLE);
    proc_pagetable(c, p);
    for (char *s = utext; s < utext_end; s += PGSIZE)
        map(c, p->pagetable, UTEXT + (uint64_t)(s - utext), s, PTE_U | PTE_R | PTE_X | PTE_SHARED);
    for (char *s = udata; s < udata_end; s += PGSIZE) {
        uint64_t *pg = kalloc_raw(c);
        copy_page(pg, (uint64_t *)s);
        map(c, p->pagetable, UDATA + (uint64_t)(s - udata), pg, PTE_U | PTE_R | PTE_W);
    }
    p->brk = HEAP_BASE;
    p->tf->epc = UTEXT;
    p->tf->x[REG_SP] = STACK_TOP;
    p->tf->x[REG_A0] = (uint64_t)index;
    p->tf->x[REG_A1] = seed;
    p->tf->x[REG_A2] = ROUNDS;
    p->tf->x[REG_A3] = GENS;
}

/* fork: a fresh address space with copies of the parent's pages; waits for the next generation. */
static uint64_t fork(struct cpu *c, struct proc *p)
{
    struct proc *q = free_slot(c);
    proc_init(c, q, WAITING);
    proc_pagetable(c, q);
    uint64_t *l0 = user_l0(p->pagetable);
    for (int i = 0; i < 512; i++) {
        uint64_t pte = l0[i];
        if (!(pte & PTE_V))
            continue;
        uint64_t *pa = (uint64_t *)PTE_PA(pte);
        if (!(pte & PTE_SHARED)) {
            uint64_t *copy = kalloc_raw(c);
            copy_page(copy, pa);
            pa = copy;
        }
        *walk(c, q->pagetable, (uint64_t)i << 12, 1) = PA_PTE(pa) | (pte & 0x3ff);
    }
    q->brk = p->brk;
    for (int r = 0; r < 31; r++)
        q->tf->x[r] = p->tf->x[r];
    q->tf->epc = p->tf->epc;
    q->tf->x[REG_A0] = 0;
    c->forks++;
    count(&shared.forks);
    return q->pid;
}

static void proc_exit(struct cpu *c, struct proc *p, uint64_t status)
{
    uint64_t h = c->hash;
    h = mix(h, p->pid);
    h = mix(h, status);
    h = mix(h, p->out_hash);
    h = mix(h, p->out_len);
    h = mix(h, p->faults);
    h = mix(h, p->syscalls);
    c->hash = h;
    freewalk(c, p->pagetable);
    p->state = FREE;
    c->exits++;
    count(&shared.exits);
}

static uint64_t sbrk(struct cpu *c, struct proc *p, int64_t n)
{
    uint64_t old = p->brk, nb = old + (uint64_t)n;
    if (nb < HEAP_BASE || nb > HEAP_MAX)
        return (uint64_t)-1;
    /* Shrinking unmaps whole pages above the new break (those touched: the others were never mapped). */
    for (uint64_t va = (nb + PGSIZE - 1) & ~(PGSIZE - 1); va < old; va += PGSIZE) {
        uint64_t *pte = walk(c, p->pagetable, va, 0);
        if (pte != 0 && (*pte & PTE_V)) {
            kfree(c, (void *)PTE_PA(*pte));
            *pte = 0;
        }
    }
    p->brk = nb;
    return old;
}

/* Copy `len` bytes from the process's `uva` into its output buffer, page by page. */
static int64_t sys_write(struct cpu *c, struct proc *p, uint64_t uva, uint64_t len)
{
    if (len > 64)
        return -1;
    uint64_t done = 0;
    while (done < len) {
        uint64_t va = uva + done, off = va & (PGSIZE - 1);
        uint64_t *pte = walk(c, p->pagetable, va - off, 0);
        if (pte == 0 || (*pte & (PTE_V | PTE_U)) != (PTE_V | PTE_U))
            return -1;
        const uint8_t *src = (const uint8_t *)(PTE_PA(*pte) + off);
        uint64_t n = len - done < PGSIZE - off ? len - done : PGSIZE - off;
        uint64_t h = p->out_hash;
        for (uint64_t i = 0; i < n; i++) {
            uint8_t b = src[i];
            p->out[p->out_len++ & 255] = b;
            h = (h ^ b) * 0x100000001b3ull;
        }
        p->out_hash = h;
        done += n;
    }
    return (int64_t)len;
}

/* Handle a system call; returns 1 if another process should run now. */
static int syscall(struct cpu *c, struct proc *p)
{
    struct trapframe *tf = p->tf;
    uint64_t a0 = tf->x[REG_A0], a1 = tf->x[REG_A1];
    p->syscalls++;
    c->syscalls++;
    count(&shared.syscalls);
    switch (tf->x[REG_A7]) {
    case SYS_YIELD:
        return 1;
    case SYS_WRITE:
        tf->x[REG_A0] = (uint64_t)sys_write(c, p, a0, a1);
        return 0;
    case SYS_EXIT:
        proc_exit(c, p, a0);
        return 1;
    case SYS_SBRK:
        tf->x[REG_A0] = sbrk(c, p, (int64_t)a0);
        return 0;
    case SYS_FORK:
        tf->x[REG_A0] = fork(c, p);
        return 0;
    case SYS_GETPID:
        tf->x[REG_A0] = p->pid;
        return 0;
    default:
        proc_exit(c, p, (uint64_t)-2);
        return 1;
    }
}

/* Demand paging: map a zeroed page under the break or in the stack region. */
static int page_fault(struct cpu *c, struct proc *p, uint64_t va)
{
    if (!((va >= HEAP_BASE && va < p->brk) || (va >= STACK_LO && va < STACK_TOP)))
        return 0;
    map(c, p->pagetable, va & ~(PGSIZE - 1), kalloc(c), PTE_U | PTE_R | PTE_W);
    p->faults++;
    c->faults++;
    count(&shared.faults);
    return 1;
}

/* Run `p` until it yields, exits or is killed. */
static void run(struct cpu *c, struct proc *p)
{
    for (;;) {
        struct trapframe *tf = p->tf;
        tf->kernel_satp = c->kernel_satp;
        tf->kernel_ctx = (uint64_t)&c->ctx;
        tf->kernel_trap = (uint64_t)kret;
        CSRW(sepc, tf->epc);
        __asm__ volatile("csrc sstatus, %0; csrs sstatus, %1" ::"r"(1ul << 8), "r"(1ul << 5)); /* SPP = U, SPIE */
        run_user(&c->ctx, SATP(p->pagetable), c->userret_va);
        uint64_t scause = CSRR(scause), stval = CSRR(stval);
        tf->epc = CSRR(sepc);
        if (scause == 8) {
            tf->epc += 4;
            if (syscall(c, p))
                return;
        } else if (scause == 12 || scause == 13 || scause == 15) {
            if (!page_fault(c, p, stval)) {
                proc_exit(c, p, (uint64_t)-1);
                return;
            }
        } else {
            proc_exit(c, p, ~scause);
            return;
        }
    }
}

static uint64_t __attribute__((noinline)) pass(void)
{
    BARRIER();
    struct cpu *c = mycpu();
    uint64_t hart = (uint64_t)(c - cpus);
    c->hash = 0x0123456789abcdefull ^ hart;
    c->next_pid = 1;
    for (long i = 0; i < NPROC; i++)
        spawn(c, i, 0x243f6a8885a308d3ull ^ (hart << 40) ^ ((uint64_t)i << 8));
    int cur = NSLOT - 1;
    for (;;) {
        int next = -1;
        for (int k = 1; k <= NSLOT; k++) {
            int s = (cur + k) % NSLOT;
            if (c->procs[s].state == RUNNABLE) {
                next = s;
                break;
            }
        }
        if (next < 0) {
            /* This generation is over: its children run. */
            int any = 0;
            for (int s = 0; s < NSLOT; s++)
                if (c->procs[s].state == WAITING) {
                    c->procs[s].state = RUNNABLE;
                    any = 1;
                }
            if (!any)
                break;
            continue;
        }
        cur = next;
        run(c, &c->procs[cur]);
    }
    if (c->nfree != c->nfree_idle)
        c->bad = 1; /* a page leaked */
    return c->hash;
}

/* The last hart to finish prints the report for all of them and powers off. */
static void __attribute__((noreturn)) finish(void)
{
    if (__atomic_fetch_add(&shared.done, 1, __ATOMIC_ACQ_REL) != NHARTS - 1)
        for (;;)
            __asm__ volatile("wfi");
    uint64_t h = 0, sys = 0, faults = 0, forks = 0, exits = 0;
    int bad = 0;
    for (int i = 0; i < NHARTS; i++) {
        bad |= cpus[i].bad;
        h = mix(h, cpus[i].checksum);
        sys += cpus[i].syscalls;
        faults += cpus[i].faults;
        forks += cpus[i].forks;
        exits += cpus[i].exits;
    }
    if (bad || sys != shared.syscalls || faults != shared.faults || forks != shared.forks || exits != shared.exits) {
        puts_(NAME ": passes differ, a page leaked, or the shared counters disagree\n");
        poweroff(1);
    }
    uint32_t passes = npasses;
    h = mix(h, sys / passes);
    h = mix(h, faults / passes);
    h = mix(h, forks / passes);
    h = mix(h, exits / passes);
    puts_(NAME " ");
    putc_((char)('0' + passes));
    puts_(" passes ");
    puthex(h);
    putc_('\n');
    poweroff(0);
}

void __attribute__((noreturn, aligned(4))) kernel_trap(void)
{
    puts_(NAME ": trap in the kernel, sepc ");
    puthex(CSRR(sepc));
    panic("scause", CSRR(scause));
}

static void __attribute__((noreturn)) s_main(uint64_t hart)
{
    __asm__ volatile("mv tp, %0" ::"r"(hart));
    struct cpu *c = &cpus[hart];
    for (uint64_t *w = (uint64_t *)c; w < (uint64_t *)(c + 1); w++)
        *w = 0;
    char *pool = _end + hart * POOL_PAGES * PGSIZE;
    for (int i = POOL_PAGES - 1; i >= 0; i--)
        kfree(c, pool + (uint64_t)i * PGSIZE);
    /* The kernel's table: MMIO as one gigapage, RAM identity-mapped with 2 MiB pages, the trampoline. */
    uint64_t *root = kalloc(c), *l1 = kalloc(c);
    root[0] = PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
    root[2] = PA_PTE(l1) | PTE_V;
    for (uint64_t m = 0; m < KERNEL_MAPPED >> 21; m++)
        l1[m] = PA_PTE(RAM + (m << 21)) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
    map(c, root, TRAMPOLINE, trampoline, PTE_R | PTE_X);
    c->kernel_satp = SATP(root);
    __asm__ volatile("csrw satp, %0; sfence.vma" ::"r"(c->kernel_satp) : "memory");
    CSRW(stvec, (uint64_t)kernelvec);
    c->userret_va = TRAMPOLINE + (uint64_t)(userret - trampoline);
    c->nfree_idle = c->nfree;

    uint64_t first = pass();
    for (uint32_t p = 1; p < npasses; p++)
        if (pass() != first)
            c->bad = 1;
    c->checksum = first;
    finish();
}

static void __attribute__((noreturn, aligned(4))) m_trap(void)
{
    puts_(NAME ": unexpected M-mode trap, mepc ");
    puthex(CSRR(mepc));
    panic("mcause", CSRR(mcause));
}

void __attribute__((noreturn)) m_main(uint64_t hart)
{
    /* S and U need a PMP entry on QEMU: NAPOT over [0, 2^56) (as sv39.c, not the all-ones one). */
    __asm__ volatile("csrw pmpaddr0, %0; csrw pmpcfg0, %1" ::"r"((1ul << 53) - 1), "r"(0x1ful));
    /* Exceptions from U and S go to S (all but ecall from S/M); interrupts stay off. */
    CSRW(medeleg, 0xb1ff);
    CSRW(mideleg, 0x222);
    CSRW(mie, 0);
    CSRW(mtvec, (uint64_t)m_trap);
    CSRW(satp, 0);
    CSRW(mepc, (uint64_t)s_main);
    __asm__ volatile("li t0, 3 << 11; csrc mstatus, t0; li t0, 1 << 11; csrs mstatus, t0; mv a0, %0; mret" ::"r"(hart) : "t0", "a0");
    __builtin_unreachable();
}

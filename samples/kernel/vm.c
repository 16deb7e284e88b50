/*
 * vm.c - physical pages and Sv39 page tables.
 *
 * Every address space (the kernel's and each process's) maps:
 *   0x00000000 - 0x3fffffff  devices, identity, one 1 GiB "gigapage", kernel only
 *   0x80000000 - 0xbfffffff  RAM, identity, one gigapage, kernel only
 * and a process's also maps its own pages at USER_BASE (syscall.h) with U=1.
 * Because the kernel part is the same everywhere, switching satp on a
 * process switch never pulls the ground from under the kernel.
 */
#include "kernel.h"
#include "syscall.h"

extern char _end[];                 /* end of the kernel image (kernel.ld) */
static uint64_t next_free_page;     /* simple bump allocator, pages are never freed */
static uint64_t *kernel_pagetable;

#define VPN(va, level)  (((va) >> (12 + 9 * (level))) & 0x1ff)
#define PTE_TO_PA(pte)  (((pte) >> 10) << 12)
#define PA_TO_PTE(pa)   (((uint64_t)(pa) >> 12) << 10)

void *alloc_page(void)
{
    if (next_free_page == 0)
        next_free_page = ((uint64_t)_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    void *page = (void *)next_free_page;
    next_free_page += PAGE_SIZE;
    memset(page, 0, PAGE_SIZE);
    return page;
}

/* The kernel's gigapages (A and D preset so no hardware update is needed). */
static void map_kernel(uint64_t *root)
{
    root[VPN(0x00000000UL, 2)] = PA_TO_PTE(0x00000000UL) |
        PTE_V | PTE_R | PTE_W | PTE_G | PTE_A | PTE_D;
    root[VPN(RAM_BASE, 2)] = PA_TO_PTE(RAM_BASE) |
        PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D;
}

void vm_init(void)
{
    kernel_pagetable = alloc_page();
    map_kernel(kernel_pagetable);
    vm_switch(kernel_pagetable);
}

uint64_t *vm_new_user_pagetable(void)
{
    uint64_t *root = alloc_page();
    map_kernel(root);
    return root;
}

/* Map one 4 KiB page, creating the intermediate tables on the way down. */
void vm_map_page(uint64_t *root, uint64_t va, uint64_t pa, uint64_t perm)
{
    uint64_t *table = root;
    for (int level = 2; level > 0; level--) {
        uint64_t *pte = &table[VPN(va, level)];
        if (!(*pte & PTE_V))
            *pte = PA_TO_PTE(alloc_page()) | PTE_V;     /* pointer to next level */
        table = (uint64_t *)PTE_TO_PA(*pte);
    }
    table[VPN(va, 0)] = PA_TO_PTE(pa) | perm | PTE_V | PTE_A | PTE_D;
}

void vm_switch(uint64_t *root)
{
    csr_write(satp, SATP_MODE_SV39 | ((uint64_t)root >> 12));
    sfence_vma();
}

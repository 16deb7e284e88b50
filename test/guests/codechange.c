/*
 * Code that changes under a running program, for the block compiler (src/cpu/block.ts): every
 * case first runs the code until it is hot (compiled), then changes it and checks that the
 * next call runs the new instructions, exactly as the interpreter and QEMU do.
 *   1. a store rewrites a hot function, then fence.i;
 *   2. a store rewrites the next instruction of its own straight-line run (no fence.i), which
 *      reports which instruction ran (the ISA leaves that open);
 *   3. a virtio-blk read (DMA) overwrites a hot function (no fence.i: the transfer itself must
 *      invalidate); the disk's sector 0 holds `li a0, 7; ret` (made by the test);
 *   4. in S-mode under Sv39: a virtual page is remapped to another physical page (sfence.vma),
 *      and one physical page mapped at two virtual addresses runs `auipc` at both.
 * Prints one line per case and exits through the test device: 0 when all pass, else the case.
 */
#include <stdint.h>

#define UART 0x10000000UL
#define VIO 0x10001000UL

static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static void puts_(const char *s) { while (*s) *(volatile uint8_t *)UART = (uint8_t)*s++; }
static void fence_i(void) { __asm__ volatile("fence.i" ::: "memory"); }

/* Instruction encodings. */
#define LI_A0(v) (0x00000513u | ((uint32_t)(v) << 20))   /* addi a0, zero, v */
#define ADDI_A0(v) (0x00050513u | ((uint32_t)(v) << 20)) /* addi a0, a0, v */
#define SW_A1_8_A2 0x00b62423u                           /* sw a1, 8(a2) */
#define NOP 0x00000013u
#define RET 0x00008067u
#define AUIPC_A0 0x00000517u                             /* auipc a0, 0 */

typedef long (*fn_t)(long, long, long);
static uint32_t code1[4] __attribute__((aligned(64)));
static uint32_t code2[8] __attribute__((aligned(64)));
static uint32_t code3[128] __attribute__((aligned(512)));

static long call(void *code, long a0, long a1, long a2) { return ((fn_t)code)(a0, a1, a2); }

/* 1: rewritten by a store, then fence.i. */
static int smc_fence(void) {
  code1[0] = LI_A0(1); code1[1] = RET;
  fence_i();
  long s = 0;
  for (int i = 0; i < 200; i++) s += call(code1, 0, 0, 0);
  code1[0] = LI_A0(2);
  fence_i();
  for (int i = 0; i < 200; i++) s += call(code1, 0, 0, 0);
  return s == 200 * 1 + 200 * 2;
}

/* 2: `sw a1, 8(a2)` overwrites the `addi` two instructions further on in the same run. */
static int smc_same_block(void) {
  /* Without fence.i the ISA leaves it open whether the old or the new instruction runs; rvrr's
   * interpreter always runs the new one (QEMU, translating whole blocks, runs the old), and
   * compiled blocks must do as the interpreter. */
  code2[0] = SW_A1_8_A2; code2[1] = NOP; code2[2] = ADDI_A0(1); code2[3] = RET;
  fence_i();
  long s = 0;
  for (int i = 0; i < 400; i++) s = call(code2, s, ADDI_A0((i & 1) ? 100 : 1), (long)code2);
  /* Each call runs the addi its own store wrote: 200 * 100 + 200 * 1. */
  return s == 200 * 100 + 200 * 1;
}

/* 3: a virtio-blk (modern) read of sector 0 over code3. */
struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
static struct desc descs[4] __attribute__((aligned(16)));
static volatile uint16_t avail[8] __attribute__((aligned(4)));
static volatile uint32_t used[16] __attribute__((aligned(4)));
static struct { uint32_t type, reserved; uint64_t sector; } hdr;
static volatile uint8_t status;

static int dma_code(void) {
  for (int i = 0; i < 128; i++) code3[i] = NOP;
  code3[0] = LI_A0(3); code3[1] = RET;
  fence_i();
  long s = 0;
  for (int i = 0; i < 200; i++) s += call(code3, 0, 0, 0);
  if (rd32(VIO + 8) != 2) return 0; /* no disk */
  wr32(VIO + 0x70, 0); wr32(VIO + 0x70, 1); wr32(VIO + 0x70, 3);
  wr32(VIO + 0x24, 1); wr32(VIO + 0x20, 1); /* VIRTIO_F_VERSION_1 */
  wr32(VIO + 0x70, 0xb);
  wr32(VIO + 0x30, 0); wr32(VIO + 0x38, 4);
  wr32(VIO + 0x80, (uintptr_t)descs); wr32(VIO + 0x84, 0);
  wr32(VIO + 0x90, (uintptr_t)avail); wr32(VIO + 0x94, 0);
  wr32(VIO + 0xa0, (uintptr_t)used); wr32(VIO + 0xa4, 0);
  wr32(VIO + 0x44, 1);
  wr32(VIO + 0x70, 0xf);
  hdr.type = 0; hdr.sector = 0;
  descs[0] = (struct desc){ (uintptr_t)&hdr, 16, 1, 1 };
  descs[1] = (struct desc){ (uintptr_t)code3, 512, 3, 2 };
  descs[2] = (struct desc){ (uintptr_t)&status, 1, 2, 0 };
  avail[2] = 0;
  __asm__ volatile("fence rw, rw" ::: "memory");
  avail[1] = 1;
  __asm__ volatile("fence rw, rw" ::: "memory");
  wr32(VIO + 0x50, 0);
  while (((volatile uint16_t *)used)[1] == 0) {}
  for (int i = 0; i < 200; i++) s += call(code3, 0, 0, 0);
  return status == 0 && s == 200 * 3 + 200 * 7;
}

/* 4: Sv39. Root table: gigapage identity maps for I/O (0..1G) and RAM (2G..3G); VA 1G..2G goes
 * through a level-1 and a level-0 table whose entries 0 and 1 map two 4 KiB code pages. */
#define PTE_V 1
#define PTE_RWX 0xe
#define PTE_AD 0xc0
#define PAGE_VA 0x40000000UL
static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t mid[512] __attribute__((aligned(4096)));
static uint64_t leaf[512] __attribute__((aligned(4096)));
static uint32_t pageA[1024] __attribute__((aligned(4096)));
static uint32_t pageB[1024] __attribute__((aligned(4096)));
static volatile int s_result;

static uint64_t pte(void *pa, uint64_t flags) { return (((uintptr_t)pa >> 12) << 10) | flags; }
static void map(int slot, void *page) {
  leaf[slot] = pte(page, PTE_V | PTE_RWX | PTE_AD);
  __asm__ volatile("sfence.vma" ::: "memory");
}

static void s_main(void) {
  long s = 0;
  map(0, pageA);
  for (int i = 0; i < 200; i++) s += call((void *)PAGE_VA, 0, 0, 0);
  map(0, pageB);
  for (int i = 0; i < 200; i++) s += call((void *)PAGE_VA, 0, 0, 0);
  int remap_ok = s == 200 * 4 + 200 * 5;
  /* pageA's second instruction pair (offset 16) is `auipc a0, 0; ret` at both addresses. */
  map(0, pageA);
  map(1, pageA);
  long a = 0, b = 0;
  for (int i = 0; i < 200; i++) { a = call((void *)(PAGE_VA + 16), 0, 0, 0); b = call((void *)(PAGE_VA + 4096 + 16), 0, 0, 0); }
  int alias_ok = a == (long)(PAGE_VA + 16) && b == (long)(PAGE_VA + 4096 + 16);
  s_result = remap_ok + 2 * alias_ok;
  __asm__ volatile("ecall");
}

/* ecall from S-mode lands in m_trap, which restores the M-mode context saved before mret. */
uint64_t m_ctx[14];
void m_trap(void);
__asm__(
  ".align 4\n"
  "m_trap:\n"
  "  la t0, m_ctx\n"
  "  ld sp, 0(t0)\n"
  "  ld s0, 16(t0); ld s1, 24(t0); ld s2, 32(t0); ld s3, 40(t0); ld s4, 48(t0); ld s5, 56(t0)\n"
  "  ld s6, 64(t0); ld s7, 72(t0); ld s8, 80(t0); ld s9, 88(t0); ld s10, 96(t0); ld s11, 104(t0)\n"
  "  ld t1, 8(t0)\n"
  "  jr t1\n");

static int paging(void) {
  pageA[0] = LI_A0(4); pageA[1] = RET;
  pageA[4] = AUIPC_A0; pageA[5] = RET;
  pageB[0] = LI_A0(5); pageB[1] = RET;
  root[0] = pte((void *)0, PTE_V | PTE_RWX | PTE_AD);
  root[1] = pte(mid, PTE_V);
  root[2] = pte((void *)0x80000000UL, PTE_V | PTE_RWX | PTE_AD);
  mid[0] = pte(leaf, PTE_V);
  fence_i();
  __asm__ volatile(
    "csrw pmpaddr0, %2\n"  /* S-mode may access everything (QEMU checks PMP) */
    "li t0, 0x1f\n"
    "csrw pmpcfg0, t0\n"
    "la t0, m_ctx\n"
    "sd sp, 0(t0)\n"
    "sd s0, 16(t0); sd s1, 24(t0); sd s2, 32(t0); sd s3, 40(t0); sd s4, 48(t0); sd s5, 56(t0)\n"
    "sd s6, 64(t0); sd s7, 72(t0); sd s8, 80(t0); sd s9, 88(t0); sd s10, 96(t0); sd s11, 104(t0)\n"
    "la t1, 1f\n"
    "sd t1, 8(t0)\n"
    "la t0, m_trap\n"
    "csrw mtvec, t0\n"
    "csrw satp, %0\n"
    "li t0, 0x1800\n"
    "csrc mstatus, t0\n"
    "li t0, 0x0800\n"
    "csrs mstatus, t0\n" /* MPP = S */
    "csrw mepc, %1\n"
    "mret\n"
    "1: csrw satp, zero\n"
    :: "r"((8UL << 60) | ((uintptr_t)root >> 12)), "r"(s_main), "r"(-1L)
    : "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "ra", "memory");
  return s_result;
}

int main(void) {
  int fails = 0;
  int r = smc_fence();
  puts_(r ? "store + fence.i: ok\n" : "store + fence.i: FAILED\n"); fails |= !r;
  r = smc_same_block();
  puts_(r ? "store into the same block: the new instruction ran\n" : "store into the same block: the old instruction ran\n");
  r = dma_code();
  puts_(r ? "virtio-blk read over code: ok\n" : "virtio-blk read over code: FAILED\n"); fails |= (!r) << 2;
  r = paging();
  puts_(r & 1 ? "page remapped: ok\n" : "page remapped: FAILED\n"); fails |= (!(r & 1)) << 3;
  puts_(r & 2 ? "page aliased: ok\n" : "page aliased: FAILED\n"); fails |= (!(r & 2)) << 4;
  return fails;
}

/*
 * virtio-blk probe: drives the disk in virtio-mmio slot 0 (modern or legacy, whichever the
 * transport reports) through a series of good and bad requests and prints what the device
 * answers (status byte, used length, data, interrupt status) as "name=hex" lines.
 * Run on QEMU for reference answers (blkprobe.*.qemu.txt), and on rvrr to compare.
 */
#include <stdint.h>

#define UART 0x10000000UL
#define VIO 0x10001000UL
#define TEST 0x100000UL
#define QN 8

static inline uint8_t rd8(uintptr_t a) { return *(volatile uint8_t *)a; }
static inline void wr8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

static void putc_(char c) {
  while (!(rd8(UART + 5) & 0x20)) {}
  wr8(UART, c);
}
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void show(const char *name, uint64_t v) {
  puts_(name);
  putc_('=');
  int started = 0;
  for (int i = 60; i >= 0; i -= 4) {
    int d = (v >> i) & 0xf;
    if (d || started || i == 0) { putc_("0123456789abcdef"[d]); started = 1; }
  }
  putc_('\n');
}

struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct req { uint32_t type, reserved; uint64_t sector; };

/* Ring memory in the legacy layout (also fine for modern): descriptors, then the avail
 * ring right after them, the used ring at the next 4096-byte boundary. */
static uint8_t ringmem[8192] __attribute__((aligned(4096)));
#define ring_desc ((struct desc *)ringmem)
#define ring_avail ((volatile uint16_t *)(ringmem + 16 * QN))
#define ring_used ((volatile uint32_t *)(ringmem + 4096))
static struct desc indirect[4] __attribute__((aligned(16)));
static struct req hdr;
static uint8_t data[1024] __attribute__((aligned(16)));
static volatile uint8_t status;
static uint16_t avail_idx, used_seen;
static int legacy;

static void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }

/* Submit descriptors 0..n-1 (already filled) as one chain, wait for it, report. */
static void run(const char *name, int n) {
  for (int i = 0; i < n; i++) {
    if (i + 1 < n) { ring_desc[i].flags |= 1; ring_desc[i].next = i + 1; }
  }
  status = 0xee;
  ring_avail[2 + (avail_idx % QN)] = 0;
  fence();
  avail_idx++;
  ring_avail[1] = avail_idx;
  fence();
  wr32(VIO + 0x50, 0);
  for (int spin = 0; spin < 400000000 && ((volatile uint16_t *)ring_used)[1] == used_seen; spin++) {}
  fence();
  uint16_t uidx = ((volatile uint16_t *)ring_used)[1];
  puts_(name); puts_(": ");
  show("done", (uint16_t)(uidx - used_seen));
  if (uidx != used_seen) {
    show("  used.len", ring_used[1 + 2 * (used_seen % QN) + 1]);
    used_seen = uidx;
  }
  show("  status", status);
  uint32_t isr = rd32(VIO + 0x60);
  show("  isr", isr);
  wr32(VIO + 0x64, isr);
  show("  devstatus", rd32(VIO + 0x70));
}

static void set(int i, void *addr, uint32_t len, int write) {
  ring_desc[i].addr = (uintptr_t)addr;
  ring_desc[i].len = len;
  ring_desc[i].flags = write ? 2 : 0;
  ring_desc[i].next = 0;
}

static void request(const char *name, uint32_t type, uint64_t sector, uint32_t len, int write) {
  hdr.type = type; hdr.reserved = 0; hdr.sector = sector;
  set(0, &hdr, 16, 0);
  int n = 1;
  if (len) set(n++, data, len, write);
  set(n++, (void *)&status, 1, 1);
  run(name, n);
}

void trap(void) {
  uint64_t cause, epc;
  __asm__ volatile("csrr %0, mcause; csrr %1, mepc" : "=r"(cause), "=r"(epc));
  show("trap.mcause", cause);
  __asm__ volatile("csrw mepc, %0" ::"r"(epc + 4));
}

void main(void) {
  show("magic", rd32(VIO));
  show("version", rd32(VIO + 4));
  show("devid", rd32(VIO + 8));
  legacy = rd32(VIO + 4) == 1;
  wr32(VIO + 0x70, 0);
  wr32(VIO + 0x70, 1);
  wr32(VIO + 0x70, 3);
  wr32(VIO + 0x14, 0);
  uint32_t f0 = rd32(VIO + 0x10);
  wr32(VIO + 0x14, 1);
  uint32_t f1 = rd32(VIO + 0x10);
  show("features0_has_indirect", (f0 >> 28) & 1);
  show("features0_has_flush", (f0 >> 9) & 1);
  show("features1_version1", f1 & 1);
  wr32(VIO + 0x24, 0);
  wr32(VIO + 0x20, (1u << 28) | (1u << 9));
  wr32(VIO + 0x24, 1);
  wr32(VIO + 0x20, f1 & 1);
  if (!legacy) {
    wr32(VIO + 0x70, 0xb);
    show("status_features_ok", rd32(VIO + 0x70));
  }
  show("capacity", rd32(VIO + 0x100));
  show("qready_before", legacy ? rd32(VIO + 0x40) : rd32(VIO + 0x44));
  show("qnummax_nonzero", rd32(VIO + 0x34) != 0);
  wr32(VIO + 0x30, 0);
  wr32(VIO + 0x38, QN);
  if (legacy) {
    wr32(VIO + 0x28, 4096);
    wr32(VIO + 0x3c, 4096);
    /* Legacy layout: avail follows the descriptors, used on the next page. */
    wr32(VIO + 0x40, (uintptr_t)ring_desc / 4096);
  } else {
    wr32(VIO + 0x80, (uintptr_t)ring_desc);
    wr32(VIO + 0x84, 0);
    wr32(VIO + 0x90, (uintptr_t)ring_avail);
    wr32(VIO + 0x94, 0);
    wr32(VIO + 0xa0, (uintptr_t)ring_used);
    wr32(VIO + 0xa4, 0);
    wr32(VIO + 0x44, 1);
  }
  wr32(VIO + 0x70, legacy ? 7 : 0xf);

  request("get_id", 8, 0, 20, 1);
  puts_("  id="); for (int i = 0; i < 20 && data[i]; i++) putc_(data[i]); putc_('\n');
  request("read0", 0, 0, 512, 1);
  show("  data0", *(uint64_t *)data);
  for (int i = 0; i < 512; i++) data[i] = i * 3;
  request("write1", 1, 1, 512, 0);
  for (int i = 0; i < 512; i++) data[i] = 0;
  /* Read sector 1 back through an indirect table. */
  hdr.type = 0; hdr.sector = 1;
  indirect[0] = (struct desc){ (uintptr_t)&hdr, 16, 1, 1 };
  indirect[1] = (struct desc){ (uintptr_t)data, 512, 3, 2 };
  indirect[2] = (struct desc){ (uintptr_t)&status, 1, 2, 0 };
  ring_desc[0] = (struct desc){ (uintptr_t)indirect, 48, 4, 0 };
  run("read1_indirect", 1);
  show("  data1_ok", data[0] == 0 && data[1] == 3 && data[511] == (uint8_t)(511 * 3));
  request("read_out_of_range", 0, 0x7fffffff, 512, 1);
  request("read_partial_sector", 0, 0, 100, 1);
  request("read_past_end", 0, 127, 1024, 1);
  request("flush", 4, 0, 0, 0);
  request("unsupported", 99, 0, 0, 0);
  request("barrier_flush", 0x80000004u, 0, 0, 0);
  wr32(TEST, 0x5555);
  for (;;) {}
}

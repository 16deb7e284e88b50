/*
 * Register-semantics probe for the virt devices, run on QEMU (the reference) to pin down
 * reset values and behaviours our device models must match. Prints "name=hex" lines on
 * the UART and powers off through sifive_test. Build: make (in this directory).
 */
#include <stdint.h>

#define UART 0x10000000UL
#define CLINT 0x2000000UL
#define PLIC 0xc000000UL
#define VIRTIO0 0x10001000UL
#define RTC 0x101000UL
#define TEST 0x100000UL

static inline uint8_t rd8(uintptr_t a) { return *(volatile uint8_t *)a; }
static inline void wr8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint64_t rd64(uintptr_t a) { return *(volatile uint64_t *)a; }
static inline void wr64(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

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
static uint64_t mip(void) { uint64_t v; __asm__ volatile("csrr %0, mip" : "=r"(v)); return v; }

/* Any exception: report it and skip the faulting (4-byte: built without C) instruction. */
void trap(void) {
  uint64_t cause, epc, tval;
  __asm__ volatile("csrr %0, mcause; csrr %1, mepc; csrr %2, mtval" : "=r"(cause), "=r"(epc), "=r"(tval));
  show("trap.mcause", cause);
  show("trap.mtval", tval);
  __asm__ volatile("csrw mepc, %0" ::"r"(epc + 4));
}

void main(void) {
  /* UART reset values (nothing printed yet: the first putc_ only reads LSR). */
  uint8_t ier = rd8(UART + 1), iir = rd8(UART + 2), lcr = rd8(UART + 3), mcr = rd8(UART + 4);
  uint8_t lsr = rd8(UART + 5), msr = rd8(UART + 6), scr = rd8(UART + 7);
  wr8(UART + 3, 0x80);
  uint8_t dll = rd8(UART + 0), dlm = rd8(UART + 1);
  wr8(UART + 3, 0x03);
  show("uart.ier", ier); show("uart.iir", iir); show("uart.lcr", lcr); show("uart.mcr", mcr);
  show("uart.lsr", lsr); show("uart.msr", msr); show("uart.scr", scr);
  show("uart.dll", dll); show("uart.dlm", dlm);
  /* QEMU's 16550 region is 8 bytes: 0x10000008.. faults although the DTB says 0x100. */
  wr8(UART + 7, 0x11);
  wr8(UART + 0x17, 0x5a);
  show("uart.scr_after_0x17_store", rd8(UART + 7));
  wr8(UART + 2, 0x01);
  show("uart.iir_fifo", rd8(UART + 2));
  wr8(UART + 1, 0x02);
  uint8_t i1 = rd8(UART + 2), i2 = rd8(UART + 2);
  wr8(UART + 1, 0x00);
  show("uart.iir_thri", i1); show("uart.iir_after", i2);
  wr8(UART + 2, 0x00);
  wr8(UART + 4, 0x10);
  uint8_t m0 = rd8(UART + 6);
  wr8(UART + 4, 0x13);
  uint8_t m1 = rd8(UART + 6), m2 = rd8(UART + 6);
  wr8(UART + 0, 0x55);
  uint8_t lsr_lb = rd8(UART + 5), rbr_lb = rd8(UART + 0);
  wr8(UART + 0, 1);
  wr8(UART + 0, 2);
  uint8_t lsr_oe = rd8(UART + 5), lsr_oe2 = rd8(UART + 5);
  (void)rd8(UART + 0);
  wr8(UART + 4, 0x08);
  show("uart.msr_loop0", m0); show("uart.msr_loop13", m1); show("uart.msr_loop13_again", m2);
  show("uart.lsr_loop", lsr_lb); show("uart.rbr_loop", rbr_lb);
  show("uart.lsr_overrun", lsr_oe); show("uart.lsr_overrun_again", lsr_oe2);

  /* CLINT. */
  show("clint.mtimecmp0", rd64(CLINT + 0x4000));
  show("clint.mip_before_cmp_write", mip() & 0x80);
  wr64(CLINT + 0x4000, 0);
  show("clint.mip_cmp0", mip() & 0x80);
  wr64(CLINT + 0x4000, ~0ULL);
  show("clint.mip_cmpmax", mip() & 0x80);
  wr32(CLINT + 0, 0xffffffff);
  show("clint.msip", rd32(CLINT + 0));
  show("clint.mip_msip", mip() & 0x8);
  wr32(CLINT + 0, 0);
  wr64(CLINT + 0xbff8, 0x123456789ULL);
  uint64_t t = rd64(CLINT + 0xbff8);
  show("clint.mtime_written_ok", t >= 0x123456789ULL && t < 0x123456789ULL + 1000000);
  uint64_t tcsr; __asm__ volatile("csrr %0, time" : "=r"(tcsr));
  show("clint.time_csr_follows", tcsr >= 0x123456789ULL);
  show("clint.reserved", rd32(CLINT + 0x8000));

  /* PLIC. */
  wr32(PLIC + 4 * 10, 0xffffffff);
  show("plic.prio10", rd32(PLIC + 4 * 10));
  wr32(PLIC + 0x2000, 0xffffffff);
  show("plic.enable0", rd32(PLIC + 0x2000));
  wr32(PLIC + 0x2008, 0xffffffff);
  show("plic.enable0_w2", rd32(PLIC + 0x2008));
  wr32(PLIC + 0x200000, 0xffffffff);
  show("plic.threshold0", rd32(PLIC + 0x200000));
  wr32(PLIC + 0x200000, 0);
  wr32(PLIC + 0x2000, 1 << 10);
  wr32(PLIC + 0x2080, 0);
  wr8(UART + 1, 0x02); /* THR empty interrupt: UART line high */
  show("plic.pending_uart", rd32(PLIC + 0x1000) & (1 << 10));
  show("plic.mip_meip", mip() & 0x800);
  show("plic.claim", rd32(PLIC + 0x200004));
  show("plic.pending_after_claim", rd32(PLIC + 0x1000) & (1 << 10));
  show("plic.mip_after_claim", mip() & 0x800);
  wr32(PLIC + 0x201004, 10); /* complete from context 1, which does not enable 10 */
  show("plic.claim_after_foreign_complete", rd32(PLIC + 0x200004));
  wr32(PLIC + 0x200004, 10);
  show("plic.pending_after_complete", rd32(PLIC + 0x1000) & (1 << 10));
  show("plic.claim_again", rd32(PLIC + 0x200004));
  wr8(UART + 1, 0x00);
  show("plic.pending_line_low", rd32(PLIC + 0x1000) & (1 << 10));
  wr32(PLIC + 0x200004, 10);
  show("plic.claim_none", rd32(PLIC + 0x200004));

  /* PLIC with the UART's THR-empty interrupt as a level source, nothing printed in between
   * (printing drives the UART line too). */
  {
    uint32_t r[20];
    int k = 0;
    wr8(UART + 1, 0x00);
    (void)rd8(UART + 2);
    while (rd32(PLIC + 0x200004)) {}           /* drain: claim everything pending ... */
    wr32(PLIC + 0x200004, 10);                  /* ... and complete it */
    wr32(PLIC + 4 * 10, 1);
    wr32(PLIC + 0x2000, 1 << 10);
    wr32(PLIC + 0x200000, 0);
    wr8(UART + 1, 0x02);                        /* line high */
    r[k++] = rd32(PLIC + 0x1000) & (1 << 10);   /* 0 pending */
    r[k++] = rd32(PLIC + 0x200004);             /* 1 claim */
    r[k++] = rd32(PLIC + 0x1000) & (1 << 10);   /* 2 pending while claimed */
    r[k++] = mip() & 0x800;                     /* 3 MEIP while claimed */
    (void)rd8(UART + 2);                        /* IIR read acknowledges THRI: line low */
    r[k++] = rd32(PLIC + 0x1000) & (1 << 10);   /* 4 */
    wr32(PLIC + 0x200004, 10);
    r[k++] = rd32(PLIC + 0x1000) & (1 << 10);   /* 5 pending after complete, line low */
    r[k++] = rd32(PLIC + 0x200004);             /* 6 claim: nothing */
    wr8(UART + 1, 0x00);
    wr8(UART + 1, 0x02);                        /* line high again */
    r[k++] = rd32(PLIC + 0x200004);             /* 7 claim */
    wr8(UART + 1, 0x00);                        /* line low while claimed */
    wr32(PLIC + 0x200004, 10);
    r[k++] = rd32(PLIC + 0x1000) & (1 << 10);   /* 8 */
    r[k++] = rd32(PLIC + 0x200004);             /* 9 claim */
    wr8(UART + 1, 0x02);
    wr8(UART + 1, 0x00);                        /* high then low before any claim */
    r[k++] = rd32(PLIC + 0x1000) & (1 << 10);   /* 10 pending */
    r[k++] = mip() & 0x800;                     /* 11 */
    r[k++] = rd32(PLIC + 0x200004);             /* 12 claim */
    wr32(PLIC + 0x200004, 10);
    wr8(UART + 1, 0x02);                        /* line high, stays high */
    r[k++] = rd32(PLIC + 0x200004);             /* 13 claim */
    wr32(PLIC + 0x200004, 10);                  /* complete while still high */
    r[k++] = rd32(PLIC + 0x1000) & (1 << 10);   /* 14 pending again? */
    r[k++] = mip() & 0x800;                     /* 15 */
    r[k++] = rd32(PLIC + 0x200004);             /* 16 claim */
    wr32(PLIC + 0x200004, 10);
    wr32(PLIC + 0x200000, 1);                   /* threshold = priority: masked */
    r[k++] = mip() & 0x800;                     /* 17 */
    r[k++] = rd32(PLIC + 0x200004);             /* 18 claim under threshold */
    wr32(PLIC + 0x200000, 0);
    wr8(UART + 1, 0x00);
    (void)rd8(UART + 2);
    while (rd32(PLIC + 0x200004)) {}
    wr32(PLIC + 0x200004, 10);
    for (int i = 0; i < k; i++) {
      char name[] = "plic.seq00";
      name[8] = '0' + i / 10;
      name[9] = '0' + i % 10;
      show(name, r[i]);
    }
  }

  /* virtio-mmio slot 0, no device attached. */
  show("virtio.magic", rd32(VIRTIO0));
  show("virtio.version", rd32(VIRTIO0 + 4));
  show("virtio.devid", rd32(VIRTIO0 + 8));
  show("virtio.vendor", rd32(VIRTIO0 + 12));
  show("virtio.qnummax", rd32(VIRTIO0 + 0x34));

  /* goldfish RTC. */
  show("rtc.irq_enabled", rd32(RTC + 0x10));
  show("rtc.alarm_status", rd32(RTC + 0x18));
  uint32_t lo = rd32(RTC), hi = rd32(RTC + 4);
  show("rtc.time_sane", (((uint64_t)hi << 32) | lo) > 1500000000ULL * 1000000000ULL);

  wr32(TEST, 0x5555);
  for (;;) {}
}

/*
 * A small bare-metal virtio-net driver (virtio-mmio version 2, split queues) that pings, for
 * the network tests. It finds the card in any of the eight virtio-mmio slots (rvrr puts it
 * in slot 1, QEMU's first -device in slot 7), reads the MAC address and takes a role from it:
 *   - MAC ending in :02: the responder at 10.0.2.2. It answers ARP and ICMP echo requests
 *     and powers off once it has answered the echo request with sequence number PINGS.
 *   - any other MAC: the pinger at 10.0.2.15. It resolves 10.0.2.2 by ARP (retrying every
 *     10 ms of mtime, so a peer that starts later is found), sends PINGS echo requests one
 *     after the other (again after 50 ms without a reply) and prints each reply once, then
 *     powers off.
 * The pinger works against rvrr's built-in peer (--net user) or against a responder on the
 * other end of a UDP link (another rvrr, or QEMU with -netdev dgram). Every received frame
 * goes through net_rx(), the breakpoint of the reverse-debugging test.
 * Exit: 0 done, 1 no card, 2 feature negotiation failed, 3 timed out.
 */
#include <stdint.h>

#define UART 0x10000000UL
#define VIO_BASE 0x10001000UL
#define MTIME (*(volatile uint64_t *)0x0200bff8UL)
#define TICKS_PER_MS 10000ULL
#define PINGS 3
#define QSZ 8
#define BUF 1536
#define HDR 12 /* virtio_net_hdr with num_buffers (VERSION_1) */

static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static void putc_(char c) { *(volatile uint8_t *)UART = (uint8_t)c; }
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void putu(unsigned v) {
  char b[12];
  int n = 0;
  do { b[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (n) putc_(b[--n]);
}
static void putip(const uint8_t *ip) {
  for (int i = 0; i < 4; i++) { putu(ip[i]); if (i < 3) putc_('.'); }
}
static void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }

struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct queue {
  struct desc desc[QSZ] __attribute__((aligned(16)));
  volatile uint16_t avail[2 + QSZ + 1] __attribute__((aligned(2)));
  volatile uint32_t used[1 + 2 * QSZ + 1] __attribute__((aligned(4)));
  uint16_t last_used;
};
static struct queue rxq, txq;
static uint8_t rxbuf[QSZ][BUF] __attribute__((aligned(16)));
static uint8_t txbuf[BUF] __attribute__((aligned(16)));
static uintptr_t vio;
static uint8_t mac[6];
static uint8_t myip[4] = {10, 0, 2, 15};
static const uint8_t peerip[4] = {10, 0, 2, 2};
static uint8_t peermac[6];
static int have_peer, replies, answered, responder;
static uint16_t seq; /* the echo request in flight */
static uint16_t ipid;

static void setup_queue(unsigned n, struct queue *q) {
  wr32(vio + 0x30, n);              /* QueueSel */
  wr32(vio + 0x38, QSZ);            /* QueueNum */
  wr32(vio + 0x80, (uint32_t)(uintptr_t)q->desc);
  wr32(vio + 0x84, 0);
  wr32(vio + 0x90, (uint32_t)(uintptr_t)q->avail);
  wr32(vio + 0x94, 0);
  wr32(vio + 0xa0, (uint32_t)(uintptr_t)q->used);
  wr32(vio + 0xa4, 0);
  wr32(vio + 0x44, 1);              /* QueueReady */
}

static void post_rx(unsigned i) {
  rxq.desc[i].addr = (uintptr_t)rxbuf[i];
  rxq.desc[i].len = BUF;
  rxq.desc[i].flags = 2; /* WRITE */
  uint16_t idx = rxq.avail[1];
  rxq.avail[2 + idx % QSZ] = (uint16_t)i;
  fence();
  rxq.avail[1] = (uint16_t)(idx + 1);
  fence();
  wr32(vio + 0x50, 0);
}

static int init(void) {
  for (int k = 0; k < 8 && !vio; k++) {
    uintptr_t b = VIO_BASE + 0x1000UL * k;
    if (rd32(b) == 0x74726976 && rd32(b + 4) == 2 && rd32(b + 8) == 1) vio = b;
  }
  if (!vio) return 1;
  wr32(vio + 0x70, 0);
  wr32(vio + 0x70, 1 | 2);          /* ACKNOWLEDGE | DRIVER */
  wr32(vio + 0x14, 0);
  if (!(rd32(vio + 0x10) & (1u << 5))) return 2; /* VIRTIO_NET_F_MAC */
  wr32(vio + 0x24, 0); wr32(vio + 0x20, 1u << 5);
  wr32(vio + 0x24, 1); wr32(vio + 0x20, 1);      /* VIRTIO_F_VERSION_1 */
  wr32(vio + 0x70, 1 | 2 | 8);      /* FEATURES_OK */
  if (!(rd32(vio + 0x70) & 8)) return 2;
  for (int i = 0; i < 6; i++) mac[i] = *(volatile uint8_t *)(vio + 0x100 + i);
  setup_queue(0, &rxq);
  setup_queue(1, &txq);
  wr32(vio + 0x70, 1 | 2 | 8 | 4);  /* DRIVER_OK */
  for (unsigned i = 0; i < QSZ; i++) post_rx(i);
  return 0;
}

/* Send txbuf[HDR .. HDR+len) and wait until the device has used it. */
static void send(unsigned len) {
  for (int i = 0; i < HDR; i++) txbuf[i] = 0;
  if (len < 60) { for (unsigned i = len; i < 60; i++) txbuf[HDR + i] = 0; len = 60; }
  txq.desc[0].addr = (uintptr_t)txbuf;
  txq.desc[0].len = HDR + len;
  txq.desc[0].flags = 0;
  uint16_t idx = txq.avail[1];
  txq.avail[2 + idx % QSZ] = 0;
  fence();
  txq.avail[1] = (uint16_t)(idx + 1);
  fence();
  wr32(vio + 0x50, 1);
  while (((volatile uint16_t *)txq.used)[1] == txq.last_used) fence();
  txq.last_used++;
  wr32(vio + 0x64, rd32(vio + 0x60)); /* acknowledge the interrupt we do not use */
}

static uint16_t csum(const uint8_t *p, unsigned n, uint32_t s) {
  for (unsigned i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) s += (uint32_t)p[n - 1] << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static int eq(const uint8_t *a, const uint8_t *b, int n) { while (n--) if (*a++ != *b++) return 0; return 1; }
static void copy(uint8_t *d, const uint8_t *s, int n) { while (n--) *d++ = *s++; }

static uint8_t *eth(const uint8_t *dst, uint16_t type) {
  uint8_t *f = txbuf + HDR;
  copy(f, dst, 6); copy(f + 6, mac, 6); put16(f + 12, type);
  return f + 14;
}

static void arp(uint16_t op, const uint8_t *tmac, const uint8_t *tip) {
  static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  uint8_t *a = eth(op == 1 ? bcast : tmac, 0x0806);
  put16(a, 1); put16(a + 2, 0x0800); a[4] = 6; a[5] = 4; put16(a + 6, op);
  copy(a + 8, mac, 6); copy(a + 14, myip, 4);
  for (int i = 0; i < 6; i++) a[18 + i] = op == 1 ? 0 : tmac[i];
  copy(a + 24, tip, 4);
  send(14 + 28);
}

/* An ICMP message of `len` bytes already at the IP payload position, to `dst`. */
static void ip_icmp(const uint8_t *dmac, const uint8_t *dst, unsigned len) {
  uint8_t *ip = txbuf + HDR + 14;
  eth(dmac, 0x0800);
  ip[0] = 0x45; ip[1] = 0; put16(ip + 2, (uint16_t)(20 + len)); put16(ip + 4, ipid++);
  put16(ip + 6, 0); ip[8] = 64; ip[9] = 1; put16(ip + 10, 0);
  copy(ip + 12, myip, 4); copy(ip + 16, dst, 4);
  put16(ip + 10, csum(ip, 20, 0));
  put16(ip + 20 + 2, 0);
  put16(ip + 20 + 2, csum(ip + 20, len, 0));
  send(14 + 20 + len);
}

static void echo_request(uint16_t n) {
  uint8_t *icmp = txbuf + HDR + 14 + 20;
  icmp[0] = 8; icmp[1] = 0; put16(icmp + 4, 0x7272); put16(icmp + 6, n);
  for (int i = 0; i < 32; i++) icmp[8 + i] = (uint8_t)('a' + i % 26);
  ip_icmp(peermac, peerip, 8 + 32);
}

/* One received frame (Ethernet header first). */
__attribute__((noinline)) void net_rx(const uint8_t *frame, unsigned len) {
  if (len < 14) return;
  uint16_t type = get16(frame + 12);
  const uint8_t *p = frame + 14;
  if (type == 0x0806 && len >= 14 + 28 && get16(p + 6) == 1 && eq(p + 24, myip, 4)) {
    uint8_t smac[6], sip[4];
    copy(smac, p + 8, 6); copy(sip, p + 14, 4);
    arp(2, smac, sip);
  } else if (type == 0x0806 && len >= 14 + 28 && get16(p + 6) == 2 && eq(p + 14, peerip, 4)) {
    copy(peermac, p + 8, 6);
    have_peer = 1;
  } else if (type == 0x0800 && len >= 14 + 28 && p[9] == 1 && eq(p + 16, myip, 4)) {
    unsigned ihl = (p[0] & 15u) * 4, tot = get16(p + 2);
    if (tot > len - 14 || tot < ihl + 8) return;
    const uint8_t *icmp = p + ihl;
    if (icmp[0] == 0 && eq(p + 12, peerip, 4) && get16(icmp + 6) == seq && replies != seq) {
      puts_("netping: reply from "); putip(p + 12); puts_(" seq "); putu(get16(icmp + 6));
      puts_(" ttl "); putu(p[8]); puts_("\n");
      replies = seq;
    } else if (icmp[0] == 8) {
      uint8_t smac[6], sip[4];
      unsigned n = tot - ihl;
      if (n > BUF - HDR - 34) return;
      copy(smac, frame + 6, 6); copy(sip, p + 12, 4);
      uint8_t *out = txbuf + HDR + 14 + 20;
      copy(out, icmp, (int)n);
      out[0] = 0;
      ip_icmp(smac, sip, n);
      if (get16(icmp + 6) > answered) answered = get16(icmp + 6); /* a retransmission counts once */
      puts_("netping: answered echo request seq "); putu(get16(icmp + 6)); puts_(" from "); putip(sip); puts_("\n");
    }
  }
}

/* Hand every frame the device returned to net_rx and give its buffer back. */
static void poll(void) {
  while (((volatile uint16_t *)rxq.used)[1] != rxq.last_used) {
    fence();
    unsigned e = rxq.last_used % QSZ;
    unsigned id = rxq.used[1 + 2 * e], len = rxq.used[2 + 2 * e];
    rxq.last_used++;
    if (id < QSZ && len > HDR) net_rx(rxbuf[id] + HDR, len - HDR);
    if (id < QSZ) post_rx(id);
  }
  wr32(vio + 0x64, rd32(vio + 0x60));
}

int main(void) {
  int r = init();
  if (r) { puts_(r == 1 ? "netping: no virtio-net card\n" : "netping: feature negotiation failed\n"); return r; }
  responder = mac[5] == 2;
  if (responder) copy(myip, peerip, 4);
  puts_("netping: "); puts_(responder ? "responder " : "pinger "); putip(myip); puts_("\n");
  uint64_t start = MTIME, last = 0;
  for (;;) {
    poll();
    uint64_t now = MTIME;
    if (now - start > 5000 * TICKS_PER_MS) { puts_("netping: timed out\n"); return 3; }
    if (responder) {
      if (answered >= PINGS) { puts_("netping: done\n"); return 0; }
      continue;
    }
    if (!have_peer) {
      if (last == 0 || now - last > 10 * TICKS_PER_MS) { arp(1, 0, peerip); last = now; }
      continue;
    }
    if (replies == PINGS) { puts_("netping: done\n"); return 0; }
    if (seq == replies) { echo_request(++seq); last = now; }
    else if (now - last > 50 * TICKS_PER_MS) { echo_request(seq); last = now; } /* lost or slow: again */
  }
}

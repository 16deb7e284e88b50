/**
 * The physical memory map and interrupt numbers of QEMU's riscv64 `virt` board, which this
 * board reproduces so that guests built for it run unchanged.
 */
export const VIRT = {
  /** Boot ROM (reset vector + fw_dynamic info). */
  mrom: { base: 0x1000, size: 0xf000 },
  test: { base: 0x100000, size: 0x1000 },
  rtc: { base: 0x101000, size: 0x1000 },
  clint: { base: 0x2000000, size: 0x10000 },
  plic: { base: 0xc000000, size: 0x600000 },
  uart0: { base: 0x10000000, size: 0x100 },
  /** virtio-mmio transport k is at base + k * size. */
  virtio: { base: 0x10001000, size: 0x1000, count: 8 },
  dram: { base: 0x80000000 },
} as const;

/** virtio-mmio slot of the disk and of the network card. */
export const VIRT_SLOT = { disk: 0, net: 1 } as const;

/** PLIC source numbers. */
export const VIRT_IRQ = {
  /** virtio-mmio transport k uses source virtio + k (1..8). */
  virtio: 1,
  uart0: 10,
  rtc: 11,
} as const;

/** Number of PLIC interrupt sources as the DTB announces them (riscv,ndev), as in QEMU 7.2. */
export const VIRT_PLIC_NDEV = 0x60;

/** Supported number of harts. */
export const VIRT_MAX_HARTS = 8;

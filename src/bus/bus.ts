/**
 * The physical address space: RAM plus memory-mapped devices. This is the slow path of
 * memory access (the CPU's TLB covers RAM directly); it serves MMIO, DMA and the debugger.
 */
import type { MmioDevice } from '../devices/device.js';
import { PagedRam, PAGE_SIZE } from './ram.js';

/** A device mapped at a physical range. */
export interface Mapping {
  readonly base: number;
  readonly size: number;
  readonly device: MmioDevice;
}

export class Bus {
  private mappings: Mapping[] = [];
  /** Bytes of read-only memory (boot ROM), mapped like a device but readable in bulk. */
  private roms: { base: number; data: Uint8Array }[] = [];

  constructor(readonly ram: PagedRam) {}

  /** Map `device` at [base, base+size). Overlaps are a board bug and throw. */
  map(base: number, size: number, device: MmioDevice): void {
    for (const m of this.mappings) {
      if (base < m.base + m.size && m.base < base + size) {
        throw new Error(`${device.name} at 0x${base.toString(16)} overlaps ${m.device.name}`);
      }
    }
    this.mappings.push({ base, size, device });
    this.mappings.sort((a, b) => a.base - b.base);
  }

  /** Map read-only bytes (e.g. the boot ROM) at `base`. */
  mapRom(base: number, data: Uint8Array, name = 'rom'): void {
    const rom = { base, data };
    this.roms.push(rom);
    const size = Math.ceil(data.length / PAGE_SIZE) * PAGE_SIZE;
    this.map(base, size, {
      name,
      read: (off, sz) => {
        let v = 0;
        for (let i = sz - 1; i >= 0; i--) v = v * 256 + (data[off + i] ?? 0);
        return v;
      },
      write: () => {},
      reset: () => {},
      saveState: () => ({}),
      loadState: () => {},
    });
  }

  get devices(): readonly Mapping[] {
    return this.mappings;
  }

  /** The device mapping that contains `paddr`, if any. */
  find(paddr: number): Mapping | undefined {
    for (const m of this.mappings) if (paddr >= m.base && paddr < m.base + m.size) return m;
    return undefined;
  }

  /**
   * Read 1, 2 or 4 bytes at `paddr` (unsigned result), or `undefined` for an access fault
   * (nothing there). RAM reads may be misaligned and may cross pages.
   */
  read(paddr: number, size: 1 | 2 | 4): number | undefined {
    const ram = this.ram;
    if (ram.contains(paddr, size)) {
      let v = 0;
      for (let i = size - 1; i >= 0; i--) {
        const off = paddr + i - ram.base;
        v = v * 256 + ram.readPageU8(Math.floor(off / PAGE_SIZE))[off % PAGE_SIZE];
      }
      return v;
    }
    const m = this.find(paddr);
    if (m === undefined || paddr + size > m.base + m.size) return undefined;
    return m.device.read(paddr - m.base, size) >>> 0;
  }

  /** Write the low `size` bytes of `value` at `paddr`; false for an access fault. */
  write(paddr: number, size: 1 | 2 | 4, value: number): boolean {
    const ram = this.ram;
    if (ram.contains(paddr, size)) {
      for (let i = 0; i < size; i++) {
        const off = paddr + i - ram.base;
        const idx = Math.floor(off / PAGE_SIZE);
        ram.writablePageU8(idx)[off % PAGE_SIZE] = (value >>> (8 * i)) & 0xff;
        ram.onExternalWrite?.(idx);
      }
      return true;
    }
    const m = this.find(paddr);
    if (m === undefined || paddr + size > m.base + m.size) return false;
    m.device.write(paddr - m.base, size, value >>> 0);
    return true;
  }

  /** Bulk read for DMA and the debugger: RAM or ROM only (no device side effects). */
  readBytes(paddr: number, len: number): Uint8Array | undefined {
    if (this.ram.contains(paddr, len)) {
      const out = new Uint8Array(len);
      this.ram.readBytes(paddr, out);
      return out;
    }
    for (const r of this.roms) {
      if (paddr >= r.base && paddr + len <= r.base + r.data.length) {
        return r.data.slice(paddr - r.base, paddr - r.base + len);
      }
    }
    return undefined;
  }

  /** Bulk write for DMA and the debugger: RAM only. False if any byte is outside RAM. */
  writeBytes(paddr: number, data: Uint8Array): boolean {
    if (!this.ram.contains(paddr, data.length)) return false;
    this.ram.writeBytes(paddr, data);
    return true;
  }
}

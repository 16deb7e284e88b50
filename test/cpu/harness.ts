/**
 * Test harness for the hart: RAM at 0x80000000, the sifive_test finisher at 0x100000 and a
 * byte-sink UART at 0x10000000 as tiny inline devices, a minimal ELF64 loader, and a run-until-
 * finished loop.
 */
import { readFileSync } from 'node:fs';
import { Bus } from '../../dist/bus/bus.js';
import { PagedRam } from '../../dist/bus/ram.js';
import { VirtualClock } from '../../dist/replay/clock.js';
import { Hart } from '../../dist/cpu/hart.js';
import type { MmioDevice } from '../../dist/devices/device.js';

export const RAM_BASE = 0x80000000;

export interface TestMachine {
  bus: Bus;
  ram: PagedRam;
  clock: VirtualClock;
  hart: Hart;
  /** Written to sifive_test: undefined until the guest finishes. */
  finish: number | undefined;
  uart: string;
}

export function makeMachine(ramSize = 16 << 20): TestMachine {
  const ram = new PagedRam(RAM_BASE, ramSize);
  const bus = new Bus(ram);
  const clock = new VirtualClock();
  const m = { bus, ram, clock, finish: undefined, uart: '' } as unknown as TestMachine;
  const finisher: MmioDevice = {
    name: 'sifive_test',
    read: () => 0,
    write: (off, _size, v) => { if (off === 0) m.finish = v; },
    reset: () => {}, saveState: () => ({}), loadState: () => {},
  };
  const uart: MmioDevice = {
    name: 'uart',
    read: (off) => (off === 5 ? 0x60 : 0),
    write: (off, _size, v) => { if (off === 0) m.uart += String.fromCharCode(v & 0xff); },
    reset: () => {}, saveState: () => ({}), loadState: () => {},
  };
  // A CLINT reduced to msip and mtime (no timer compare), for programs that use them.
  const msip: MmioDevice = {
    name: 'clint',
    read: (off) => {
      const t = clock.mtime();
      if (off === 0xbff8) return t % 4294967296;
      if (off === 0xbffc) return Math.floor(t / 4294967296);
      return 0;
    },
    write: (off, _size, v) => { if (off === 0) m.hart.setPending(3, (v & 1) !== 0); },
    reset: () => {}, saveState: () => ({}), loadState: () => {},
  };
  bus.map(0x100000, 0x1000, finisher);
  bus.map(0x2000000, 0x10000, msip);
  bus.map(0x10000000, 0x100, uart);
  m.hart = new Hart(0, bus, clock);
  ram.onExternalWrite = (idx) => m.hart.invalidateCodePage(idx);
  m.hart.reset(RAM_BASE);
  return m;
}

/** Load the PT_LOAD segments of an ELF64 file; returns the entry point. */
export function loadElf(m: TestMachine, path: string): number {
  const b = readFileSync(path);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const entry = Number(dv.getBigUint64(24, true));
  const phoff = Number(dv.getBigUint64(32, true));
  const phentsize = dv.getUint16(54, true), phnum = dv.getUint16(56, true);
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, true) !== 1) continue;
    const off = Number(dv.getBigUint64(p + 8, true));
    const paddr = Number(dv.getBigUint64(p + 24, true));
    const filesz = Number(dv.getBigUint64(p + 32, true));
    m.bus.writeBytes(paddr, new Uint8Array(b.buffer, b.byteOffset + off, filesz));
  }
  m.hart.pc = entry;
  return entry;
}

/** Place 32-bit instruction words at addr. */
export function poke32(m: TestMachine, addr: number, words: number[]): void {
  const bytes = new Uint8Array(words.length * 4);
  const dv = new DataView(bytes.buffer);
  words.forEach((w, i) => dv.setUint32(4 * i, w >>> 0, true));
  m.bus.writeBytes(addr, bytes);
}

/** Run until the guest writes the finisher, WFI with nothing pending, or maxSteps. */
export function runToFinish(m: TestMachine, maxSteps = 5_000_000, slice = 100_000): number {
  let total = 0;
  while (m.finish === undefined && total < maxSteps) {
    const n = m.hart.run(Math.min(slice, maxSteps - total));
    total += n;
    if (m.hart.stopReason === 'wfi' || m.hart.stopReason === 'breakpoint' || m.hart.stopReason === 'watchpoint') break;
  }
  return total;
}

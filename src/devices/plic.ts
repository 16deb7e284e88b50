/**
 * PLIC of QEMU's `virt` board (RISC-V PLIC spec 1.0.0 layout, SiFive flavour as QEMU models it).
 *
 * - priority of source n   at 0x000000 + 4*n   (3 bits: levels 0..7, 0 = never interrupts)
 * - pending bits           at 0x001000 (read-only)
 * - enable bits of ctx c   at 0x002000 + 0x80*c
 * - threshold of ctx c     at 0x200000 + 0x1000*c, claim/complete at +4
 *
 * Context 2*h is hart h's M mode (drives MEIP), 2*h+1 its S mode (drives SEIP).
 * Sources behave as QEMU 7.2's sifive_plic (Debian's 7.2.22, checked with
 * test/devices/guest/probe.c): a device raising its line makes the source pending, and it
 * raises it again at every update of its interrupt state while the condition holds (as QEMU
 * devices call qemu_set_irq). A claim clears pending and marks the source in progress; an
 * in-progress source may become pending again but is not offered until completed; a
 * completion never re-pends by itself; a line going low does not withdraw a request. The
 * PLIC spec's gateway would re-pend a still-high line at completion: kernels written
 * against QEMU (xv6 leaves the UART's THR-empty interrupt high and never reads IIR) then see
 * an endless interrupt storm, so we follow QEMU.
 * Completion is accepted from any context (QEMU 7.2 does not check the enable bit the
 * spec mentions).
 */
import createDebug from 'debug';
import { plainArray, type DeviceState, type IrqLine, type MmioDevice } from './device.js';

const log = createDebug('rvrr:dev:plic');

export const PLIC_SIZE = 0x600000;
/** Source ids 1..PLIC_NUM_SOURCES-1 exist (QEMU virt: 96 source slots, 0 reserved). */
export const PLIC_NUM_SOURCES = 96;
export const PLIC_PRIORITY_MASK = 7;
const PENDING_BASE = 0x1000;
const ENABLE_BASE = 0x2000;
const ENABLE_STRIDE = 0x80;
const CONTEXT_BASE = 0x200000;
const CONTEXT_STRIDE = 0x1000;
const WORDS = Math.ceil(PLIC_NUM_SOURCES / 32);
const MIP_SEIP = 9;
const MIP_MEIP = 11;

export class Plic implements MmioDevice {
  readonly name = 'plic';
  readonly ncontexts: number;
  private priority = new Uint32Array(PLIC_NUM_SOURCES);
  /** Current level of each source's input line. */
  private level = new Uint8Array(PLIC_NUM_SOURCES);
  private pending = new Uint8Array(PLIC_NUM_SOURCES);
  /**
   * The same as bit words, so that finding the best source costs the pending ones only:
   * a guest that leaves a level-triggered line high (xv6 and the UART's THR-empty interrupt)
   * claims and completes it thousands of times a second on every hart.
   */
  private pendingBits = new Int32Array(WORDS);
  /** Claimed and not yet completed. */
  private inProgress = new Uint8Array(PLIC_NUM_SOURCES);
  private inProgressBits = new Int32Array(WORDS);
  private enable: Uint32Array;
  private threshold: Uint32Array;
  /** Interrupt line level currently driven into each context's hart. */
  private output: Uint8Array;
  private lines: IrqLine[] = [];

  /** @param setMip drives MEIP (bit 11) for M contexts and SEIP (bit 9) for S contexts */
  constructor(
    readonly nharts: number,
    private readonly setMip: (hart: number, bit: number, level: boolean) => void,
  ) {
    this.ncontexts = 2 * nharts;
    this.enable = new Uint32Array(this.ncontexts * WORDS);
    this.threshold = new Uint32Array(this.ncontexts);
    this.output = new Uint8Array(this.ncontexts);
    for (let n = 0; n < PLIC_NUM_SOURCES; n++) {
      this.lines.push({ set: (lvl: boolean) => this.setLevel(n, lvl) });
    }
  }

  /** The input line of source `n` (1..95). */
  irq(n: number): IrqLine {
    if (!Number.isInteger(n) || n < 1 || n >= PLIC_NUM_SOURCES) {
      throw new RangeError(`PLIC source ${n} does not exist (1..${PLIC_NUM_SOURCES - 1})`);
    }
    return this.lines[n];
  }

  /** A device (re)asserting its line pends the source, every time; lowering it only records the level. */
  private setLevel(n: number, lvl: boolean): void {
    this.level[n] = lvl ? 1 : 0;
    if (lvl) {
      this.setPendingBit(n, 1);
      this.updateOutputs();
    }
  }

  reset(): void {
    this.priority.fill(0);
    this.pending.fill(0);
    this.inProgress.fill(0);
    this.inProgressBits.fill(0);
    this.enable.fill(0);
    this.threshold.fill(0);
    // Input levels are wires driven by devices, not PLIC state: keep them.
    for (let n = 1; n < PLIC_NUM_SOURCES; n++) this.pending[n] = this.level[n];
    this.syncBits();
    this.updateOutputs();
  }

  /** Highest-priority pending enabled source above the threshold (lowest id on ties), or 0. */
  private best(ctx: number): number {
    let best = 0;
    let bestPrio = this.threshold[ctx];
    for (let w = 0; w < WORDS; w++) {
      // Ascending ids with a strict comparison: the lowest id wins a tie.
      let bits = this.pendingBits[w] & ~this.inProgressBits[w] & this.enable[ctx * WORDS + w];
      while (bits !== 0) {
        const low = bits & -bits;
        const n = w * 32 + 31 - Math.clz32(low);
        bits ^= low;
        if (this.priority[n] > bestPrio) {
          best = n;
          bestPrio = this.priority[n];
        }
      }
    }
    return best;
  }

  private setPendingBit(n: number, v: number): void {
    this.pending[n] = v;
    if (v) this.pendingBits[n >> 5] |= 1 << (n & 31);
    else this.pendingBits[n >> 5] &= ~(1 << (n & 31));
  }

  private setInProgress(n: number, v: number): void {
    this.inProgress[n] = v;
    if (v) this.inProgressBits[n >> 5] |= 1 << (n & 31);
    else this.inProgressBits[n >> 5] &= ~(1 << (n & 31));
  }

  private syncBits(): void {
    this.pendingBits.fill(0);
    this.inProgressBits.fill(0);
    for (let n = 1; n < PLIC_NUM_SOURCES; n++) {
      if (this.pending[n]) this.pendingBits[n >> 5] |= 1 << (n & 31);
      if (this.inProgress[n]) this.inProgressBits[n >> 5] |= 1 << (n & 31);
    }
  }

  private updateOutputs(): void {
    for (let c = 0; c < this.ncontexts; c++) {
      const v = this.best(c) !== 0 ? 1 : 0;
      if (v !== this.output[c]) {
        this.output[c] = v;
        this.setMip(c >> 1, c & 1 ? MIP_SEIP : MIP_MEIP, v === 1);
      }
    }
  }

  read(offset: number, size: 1 | 2 | 4): number {
    // The PLIC has 32-bit registers only; narrower reads see the containing word's bytes.
    const w = this.readWord(offset & ~3);
    if (size === 4) return w >>> 0;
    return (w >>> ((offset & 3) * 8)) & (size === 1 ? 0xff : 0xffff);
  }

  private readWord(off: number): number {
    if (off < PENDING_BASE) {
      const n = off >> 2;
      return n < PLIC_NUM_SOURCES ? this.priority[n] : 0;
    }
    if (off < ENABLE_BASE) {
      const w = (off - PENDING_BASE) >> 2;
      if (w >= WORDS) return 0;
      let v = 0;
      for (let b = 0; b < 32; b++) {
        const n = w * 32 + b;
        if (n < PLIC_NUM_SOURCES && this.pending[n]) v |= 1 << b;
      }
      return v >>> 0;
    }
    if (off < CONTEXT_BASE) {
      const c = Math.floor((off - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((off - ENABLE_BASE) % ENABLE_STRIDE) >> 2;
      if (c >= this.ncontexts || w >= WORDS) return 0;
      return this.enable[c * WORDS + w];
    }
    const c = Math.floor((off - CONTEXT_BASE) / CONTEXT_STRIDE);
    const r = (off - CONTEXT_BASE) % CONTEXT_STRIDE;
    if (c >= this.ncontexts) return 0;
    if (r === 0) return this.threshold[c];
    if (r === 4) return this.claim(c);
    return 0;
  }

  private claim(c: number): number {
    const n = this.best(c);
    if (n !== 0) {
      this.setPendingBit(n, 0);
      this.setInProgress(n, 1);
      this.updateOutputs();
    }
    log('context %d claim -> %d', c, n);
    return n;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const off = offset & ~3;
    if (size !== 4) {
      // Merge a narrow write into the register (claim/complete is only meaningful as a word).
      const shift = (offset & 3) * 8;
      const mask = (size === 1 ? 0xff : 0xffff) << shift;
      const cur = off >= CONTEXT_BASE && (off - CONTEXT_BASE) % CONTEXT_STRIDE === 4 ? 0 : this.peekWord(off);
      value = (cur & ~mask) | ((value << shift) & mask);
    }
    value >>>= 0;
    if (off < PENDING_BASE) {
      const n = off >> 2;
      if (n >= 1 && n < PLIC_NUM_SOURCES) {
        this.priority[n] = value & PLIC_PRIORITY_MASK;
        this.updateOutputs();
      }
      return;
    }
    if (off < ENABLE_BASE) return; // pending bits are read-only
    if (off < CONTEXT_BASE) {
      const c = Math.floor((off - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((off - ENABLE_BASE) % ENABLE_STRIDE) >> 2;
      if (c >= this.ncontexts || w >= WORDS) return;
      // Source 0's enable bit is writable as on QEMU (harmless: source 0 is never pending).
      let v = value;
      if (w === WORDS - 1 && PLIC_NUM_SOURCES % 32 !== 0) v &= (1 << (PLIC_NUM_SOURCES % 32)) - 1;
      this.enable[c * WORDS + w] = v >>> 0;
      this.updateOutputs();
      return;
    }
    const c = Math.floor((off - CONTEXT_BASE) / CONTEXT_STRIDE);
    const r = (off - CONTEXT_BASE) % CONTEXT_STRIDE;
    if (c >= this.ncontexts) return;
    if (r === 0) {
      this.threshold[c] = value & PLIC_PRIORITY_MASK;
      this.updateOutputs();
    } else if (r === 4) {
      this.complete(c, value);
    }
  }

  /** Register value without side effects (for merging narrow writes). */
  private peekWord(off: number): number {
    if (off >= CONTEXT_BASE && (off - CONTEXT_BASE) % CONTEXT_STRIDE === 4) return 0;
    return this.readWord(off);
  }

  private complete(c: number, n: number): void {
    if (n < 1 || n >= PLIC_NUM_SOURCES || this.inProgress[n] === 0) {
      log('context %d ignored completion of %d', c, n);
      return;
    }
    log('context %d complete %d', c, n);
    this.setInProgress(n, 0);
    this.updateOutputs();
  }

  saveState(): DeviceState {
    return {
      priority: plainArray(this.priority),
      level: plainArray(this.level),
      pending: plainArray(this.pending),
      inProgress: plainArray(this.inProgress),
      enable: plainArray(this.enable),
      threshold: plainArray(this.threshold),
      output: plainArray(this.output),
    };
  }

  loadState(s: DeviceState): void {
    this.priority.set(s.priority as number[]);
    this.level.set(s.level as number[]);
    this.pending.set(s.pending as number[]);
    this.inProgress.set(s.inProgress as number[]);
    this.syncBits();
    this.enable.set(s.enable as number[]);
    this.threshold.set(s.threshold as number[]);
    this.output.set(s.output as number[]);
    for (let c = 0; c < this.ncontexts; c++) {
      this.setMip(c >> 1, c & 1 ? MIP_SEIP : MIP_MEIP, this.output[c] === 1);
    }
  }
}

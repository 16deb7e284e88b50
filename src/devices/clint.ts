/**
 * CLINT of QEMU's `virt` board (SiFive CLINT layout: ACLINT MSWI at +0, MTIMER at +0x4000).
 *
 * - `msip[h]`     at 0x0000 + 4*h: bit 0 drives the hart's MSIP.
 * - `mtimecmp[h]` at 0x4000 + 8*h: MTIP of hart h is high while mtime >= mtimecmp.
 * - `mtime`       at 0xbff8: 10 MHz, read from the virtual clock.
 *
 * As on QEMU, `mtime` is writable: a write sets an offset between the clock and the guest's
 * `mtime` (kept in saved state; QEMU's `time` CSR follows it, so the board should read the
 * CSR through `mtime()`). Also as on QEMU 7.2 (checked with test/devices/guest/probe.c),
 * `mtimecmp` resets to 0, so MTIP is high from power-on until the guest writes a later value.
 */
import createDebug from 'debug';
import { plainArray, type DeviceState, type MmioDevice } from './device.js';
import type { VirtualClock } from '../replay/clock.js';
import { deposit32, extract32, split64, u64 } from './regs.js';

const log = createDebug('rvrr:dev:clint');

export const CLINT_SIZE = 0x10000;
export const CLINT_MSIP = 0x0000;
export const CLINT_MTIMECMP = 0x4000;
export const CLINT_MTIME = 0xbff8;
const MIP_MSIP = 3;
const MIP_MTIP = 7;

export class Clint implements MmioDevice {
  readonly name = 'clint';
  private msip: Uint8Array;
  private cmpLo: Uint32Array;
  private cmpHi: Uint32Array;
  /** Current MTIP level driven into each hart. */
  private mtip: Uint8Array;
  /** Guest mtime minus clock.mtime(), set by guest writes to mtime. */
  private mtimeDelta = 0;
  /**
   * Called after a guest write to mtimecmp or mtime, so the board can recompute when it must
   * next call `update()` (`nextDeadline()` may have moved earlier). Not part of saved state.
   */
  onDeadlineChange: (() => void) | null = null;

  /**
   * The constructor drives no lines (the harts may not exist yet): call `reset()` or
   * `update()` once the board is wired, which raises MTIP as mtimecmp = 0 implies.
   * @param clock  the machine's virtual clock (mtime source)
   * @param nharts number of harts (1..4095)
   * @param setMip drives bit `bit` of hart `hart`'s `mip` to `level`
   */
  constructor(
    private readonly clock: VirtualClock,
    readonly nharts: number,
    private readonly setMip: (hart: number, bit: number, level: boolean) => void,
  ) {
    this.msip = new Uint8Array(nharts);
    this.cmpLo = new Uint32Array(nharts);
    this.cmpHi = new Uint32Array(nharts);
    this.mtip = new Uint8Array(nharts);
  }

  /** The guest-visible `mtime` (clock.mtime() unless the guest wrote mtime). */
  mtime(): number {
    return this.clock.mtime() + this.mtimeDelta;
  }

  reset(): void {
    for (let h = 0; h < this.nharts; h++) {
      if (this.msip[h]) this.setMip(h, MIP_MSIP, false);
      if (this.mtip[h]) this.setMip(h, MIP_MTIP, false);
    }
    this.msip.fill(0);
    this.cmpLo.fill(0);
    this.cmpHi.fill(0);
    this.mtip.fill(0);
    this.mtimeDelta = 0;
    this.update();
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const word = offset & ~3;
    return extract32(this.readWord(word), offset, size);
  }

  private readWord(off: number): number {
    if (off < CLINT_MSIP + 4 * this.nharts) return this.msip[off >> 2];
    if (off >= CLINT_MTIMECMP && off < CLINT_MTIMECMP + 8 * this.nharts) {
      const h = (off - CLINT_MTIMECMP) >> 3;
      return off & 4 ? this.cmpHi[h] : this.cmpLo[h];
    }
    if (off === CLINT_MTIME || off === CLINT_MTIME + 4) {
      const { lo, hi } = split64(this.mtime());
      return off === CLINT_MTIME ? lo : hi;
    }
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const off = offset & ~3;
    const v = deposit32(this.readWord(off), offset, size, value);
    if (off < CLINT_MSIP + 4 * this.nharts) {
      const h = off >> 2;
      const bit = v & 1;
      if (bit !== this.msip[h]) {
        this.msip[h] = bit;
        this.setMip(h, MIP_MSIP, bit === 1);
      }
    } else if (off >= CLINT_MTIMECMP && off < CLINT_MTIMECMP + 8 * this.nharts) {
      const h = (off - CLINT_MTIMECMP) >> 3;
      if (off & 4) this.cmpHi[h] = v;
      else this.cmpLo[h] = v;
      // Exact, from the two halves (the number mtimecmp() gives rounds above 2^53).
      if (log.enabled) log('hart %d mtimecmp=0x%s (mtime 0x%s)', h, ((BigInt(this.cmpHi[h]) << 32n) | BigInt(this.cmpLo[h])).toString(16), this.mtime().toString(16));
      this.evaluate(h);
      this.onDeadlineChange?.();
    } else if (off === CLINT_MTIME || off === CLINT_MTIME + 4) {
      const cur = split64(this.mtime());
      const next = off === CLINT_MTIME ? u64(v, cur.hi) : u64(cur.lo, v);
      this.mtimeDelta = next - this.clock.mtime();
      log('mtime written: 0x%s', next.toString(16));
      this.update();
      this.onDeadlineChange?.();
    }
    // Anything else: reserved, ignored.
  }

  /** mtimecmp of hart `h` as a number (values above 2^53 are never reached by mtime anyway). */
  mtimecmp(h: number): number {
    return u64(this.cmpLo[h], this.cmpHi[h]);
  }

  private evaluate(h: number): void {
    const level = this.mtime() >= this.mtimecmp(h) ? 1 : 0;
    if (level !== this.mtip[h]) {
      this.mtip[h] = level;
      this.setMip(h, MIP_MTIP, level === 1);
    }
  }

  /**
   * Re-evaluate MTIP of every hart against the current virtual time (call at slice
   * boundaries). Drives every hart's MTIP line even when unchanged, so a hart reset that
   * cleared `mip` after the CLINT's own reset is corrected here.
   */
  update(): void {
    for (let h = 0; h < this.nharts; h++) {
      this.evaluate(h);
      this.setMip(h, MIP_MTIP, this.mtip[h] === 1);
    }
  }

  /**
   * Smallest mtimecmp among harts whose MTIP is low, expressed in `clock.mtime()` ticks
   * (equal to guest mtime unless the guest wrote mtime); Infinity if none.
   */
  nextDeadline(): number {
    let best = Infinity;
    for (let h = 0; h < this.nharts; h++) {
      if (this.mtip[h] === 0) {
        best = Math.min(best, this.mtimecmp(h) - this.mtimeDelta);
      }
    }
    return best;
  }

  saveState(): DeviceState {
    return {
      msip: plainArray(this.msip),
      mtimecmpLo: plainArray(this.cmpLo),
      mtimecmpHi: plainArray(this.cmpHi),
      mtip: plainArray(this.mtip),
      mtimeDelta: this.mtimeDelta,
    };
  }

  loadState(s: DeviceState): void {
    this.msip.set(s.msip as number[]);
    this.cmpLo.set(s.mtimecmpLo as number[]);
    this.cmpHi.set(s.mtimecmpHi as number[]);
    this.mtip.set(s.mtip as number[]);
    this.mtimeDelta = s.mtimeDelta as number;
    // Re-drive the lines so the harts' mip agrees with the restored device.
    for (let h = 0; h < this.nharts; h++) {
      this.setMip(h, MIP_MSIP, this.msip[h] === 1);
      this.setMip(h, MIP_MTIP, this.mtip[h] === 1);
    }
  }
}

/**
 * The virtual clock: the only notion of time any hart or device may use (design invariant 2).
 *
 * Virtual time is a pure function of the global instruction count plus logged warps:
 * one retired instruction advances time by `NS_PER_INSN` nanoseconds (like QEMU's
 * `-icount shift=0`), and idle warps (all harts in WFI) add logged amounts on top.
 */
export const NS_PER_INSN = 1;
/** CLINT/`time` CSR timebase of the virt board: 10 MHz. */
export const TIMEBASE_HZ = 10_000_000;
export const NS_PER_TICK = 1_000_000_000 / TIMEBASE_HZ;

export class VirtualClock {
  /** Global retired-instruction count of the machine (all harts). */
  icount = 0;
  /** Sum of all idle warps so far, in nanoseconds. */
  warpNs = 0;

  /** Virtual nanoseconds since power-on. */
  nowNs(): number {
    return this.icount * NS_PER_INSN + this.warpNs;
  }

  /** Current value of `mtime` / the `time` CSR (10 MHz ticks). */
  mtime(): number {
    return Math.floor(this.nowNs() / NS_PER_TICK);
  }

  /** Instructions still to run before `mtime` reaches `ticks` (0 if already there). */
  insnsUntilMtime(ticks: number): number {
    const ns = ticks * NS_PER_TICK - this.nowNs();
    return ns <= 0 ? 0 : Math.ceil(ns / NS_PER_INSN);
  }

  saveState(): { icount: number; warpNs: number } {
    return { icount: this.icount, warpNs: this.warpNs };
  }

  loadState(s: { icount: number; warpNs: number }): void {
    this.icount = s.icount;
    this.warpNs = s.warpNs;
  }
}

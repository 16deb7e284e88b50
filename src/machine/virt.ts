/**
 * The `virt` board: RAM, boot ROM, CLINT, PLIC, UART, sifive_test, goldfish RTC and eight
 * virtio-mmio slots wired as on QEMU's riscv64 `virt` machine, the boot paths (`--bios none`
 * or firmware + kernel), and a deterministic run loop over several harts.
 *
 * Determinism (design invariants 1-3): which hart runs and when devices observe time is a
 * function of machine state only, never of how the caller slices `run()` calls. The scheduler
 * position (current hart, steps left in its quantum) and the icount of the next device event
 * are part of the state and of snapshots; devices are updated only at those event icounts.
 */
import { createHash } from 'node:crypto';
import { Bus } from '../bus/bus.js';
import { PagedRam, type RamSnapshot } from '../bus/ram.js';
import { Hart, type HartState } from '../cpu/hart.js';
import { hartHashForm } from '../cpu/state.js';
import { CSR, MIP_STIP } from '../cpu/csr-defs.js';
import { onTimerCsrWrite, sstcEnabled } from '../cpu/csr.js';
import { Clint } from '../devices/clint.js';
import type { DeviceState, MmioDevice } from '../devices/device.js';
import { DiskOverlay, diskHashForm, diskStateWithChanges } from '../devices/disk.js';
import { GoldfishRtc } from '../devices/goldfish-rtc.js';
import { Plic } from '../devices/plic.js';
import { SifiveTest, type TestAction } from '../devices/sifive-test.js';
import { Uart16550 } from '../devices/uart16550.js';
import { VirtioBlk } from '../devices/virtio-blk.js';
import { VirtioMmio } from '../devices/virtio-mmio.js';
import { VirtioNet, type NetLink } from '../devices/virtio-net.js';
import { UserNetPeer } from '../net/peer.js';
import { VirtualClock } from '../replay/clock.js';
import type {
  InputEvent, MachineSnapshot, PageGroup, ReplayableMachine, RunOptions, RunResult, Watchpoint,
} from './types.js';
import { buildBootRom } from './boot-rom.js';
import { planBoot, type BootPlan, type VirtOptions } from './virt-boot.js';
import { VIRT, VIRT_IRQ, VIRT_SLOT } from './memmap.js';

/** Bit number of STIP in mip. */
const MIP_STIP_BIT = Math.log2(MIP_STIP);

export type { VirtOptions } from './virt-boot.js';
export { VirtConfigError, DEFAULT_QUANTUM, LEGACY_QUANTUM } from './virt-boot.js';

/** The network card's MAC address unless told otherwise (QEMU's default for its first card). */
export const DEFAULT_MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);

/**
 * quantumLeft after `done` steps starting with `left` (1..quantum) on a single hart, as if the
 * run had been cut at every quantum boundary: a fresh quantum starts only when another step
 * follows a boundary, so a run ending exactly on one leaves 0.
 */
function quantumAfter(quantum: number, left: number, done: number): number {
  if (done <= left) return left - done;
  return quantum - ((done - left - 1) % quantum + 1);
}

/** GDB's register number of the virtual `priv` register (65 + 4096). */
const GDB_REGNO_PRIV = 4161;
const GDB_REGNO_PC = 32;
const GDB_REGNO_F0 = 33;
const GDB_REGNO_CSR0 = 65;
const CSR_SATP = 0x180;

/** The scheduler position and device event point: state, saved in snapshots. */
export interface SchedState {
  /** Hart whose quantum is in progress. */
  cur: number;
  /** Steps left in that quantum. */
  quantumLeft: number;
  /** icount at which devices are next updated (a timer deadline), Infinity if none. */
  nextEvent: number;
}

/** What a snapshot of the board is made of (a recording's keyframes serialize exactly this). */
export interface VirtSnapshotParts {
  readonly clock: { icount: number; warpNs: number };
  readonly harts: HartState[];
  readonly devices: Record<string, DeviceState>;
  readonly ram: RamSnapshot;
  readonly sched: SchedState;
  readonly exitCode: number | undefined;
}

/** A snapshot of the board: its parts plus the snapshot store's accounting. */
export interface VirtSnapshot extends MachineSnapshot, VirtSnapshotParts {}

/** The disk overlay's chunks, one reference each, held in a device state (virtio-blk's backend), if any. */
export function diskChunksOf(d: DeviceState): (Uint8Array | null)[] | undefined {
  const disk = diskStateOf(d);
  return disk === undefined ? undefined : (diskHashForm(disk).chunks as (Uint8Array | null)[]);
}

/**
 * A device state with its disk overlay = `like`'s (the previous keyframe's device state, if
 * any) with `changes` applied ([chunk index, bytes or null]): groups with no change stay
 * `like`'s objects. `d` gives the rest of the device state (its disk's groups are ignored).
 */
export function withDiskChanges(d: DeviceState, changes: readonly (readonly [number, Uint8Array | null])[], like?: DeviceState): DeviceState {
  const disk = diskStateOf(d);
  if (disk === undefined) throw new Error('no disk in this device state');
  const prev = like !== undefined ? diskStateOf(like) : undefined;
  return { ...d, backend: { ...(d.backend as DeviceState), disk: diskStateWithChanges(disk.size as number, prev, changes) } };
}

/**
 * A snapshot from its parts (taken now, or decoded from a recording's keyframe), with the
 * accounting the snapshot store uses: page-like buffers in groups successive snapshots share
 * while unchanged (RAM chunks, and the disk overlay's chunk groups), the rest as state bytes.
 */
export function virtSnapshot(p: VirtSnapshotParts): VirtSnapshot {
  let pageGroups: readonly (PageGroup | null)[] = p.ram.chunks;
  for (const d of Object.values(p.devices)) {
    const groups = diskStateOf(d)?.groups;
    if (Array.isArray(groups)) pageGroups = pageGroups.concat(groups as (PageGroup | null)[]);
  }
  const stateBytes = snapshotStateBytes(p.harts.length, pageGroups.length);
  return { icount: p.clock.icount, approxBytes: stateBytes, stateBytes, pageGroups, ...p };
}

export class VirtMachine implements ReplayableMachine {
  readonly ram: PagedRam;
  readonly bus: Bus;
  readonly clock = new VirtualClock();
  readonly harts: Hart[] = [];
  readonly clint: Clint;
  readonly plic: Plic;
  readonly uart: Uart16550;
  readonly rtc: GoldfishRtc;
  readonly test: SifiveTest;
  /** The eight virtio-mmio transports, slot k at 0x10001000 + 0x1000*k (the disk, if any, in slot 0). */
  readonly virtio: VirtioMmio[] = [];
  /** The copy-on-write overlay over the user's disk image (absent without a drive). */
  readonly disk?: DiskOverlay;
  /** The network card (slot 1), with `--net`. */
  readonly net?: VirtioNet;
  /** The built-in peer at the other end of the card's link, with `--net user`. */
  readonly netPeer?: UserNetPeer;
  /** Shared with every hart (same objects). Not part of snapshots. */
  readonly breakpoints = new Set<number>();
  readonly watchpoints: Watchpoint[] = [];
  /** Exit code once the guest powered off (0) or failed through sifive_test (its code). */
  exitCode: number | undefined;
  /** Where everything was loaded, the DTB and the boot ROM parameters. */
  readonly boot: BootPlan;
  readonly dtb: Uint8Array;

  private readonly devices: MmioDevice[] = [];
  private sched: SchedState;
  /** Steps a hart runs before the next one's turn (VirtOptions.quantum). */
  readonly quantum: number;
  /** sifive_test request raised during the current slice, handled when the slice ends. */
  private action: TestAction | null = null;
  /** The hart inside run() right now (device callbacks may ask it to stop). */
  private running: Hart | null = null;
  /** RAM right after loading, restored on a guest or user reset (QEMU reloads its images). */
  private readonly initialRam: RamSnapshot;

  /** Build and load the board. Throws VirtConfigError (one-line message) on bad options. */
  constructor(opts: VirtOptions) {
    const plan = planBoot(opts);
    this.boot = plan;
    const smp = plan.smp;
    this.quantum = plan.quantum;
    this.sched = { cur: 0, quantumLeft: plan.quantum, nextEvent: Infinity };
    this.ram = new PagedRam(VIRT.dram.base, plan.memoryBytes, opts.historyBytes);
    this.bus = new Bus(this.ram);

    for (let h = 0; h < smp; h++) {
      const hart = new Hart(h, this.bus, this.clock);
      hart.breakpoints = this.breakpoints;
      hart.jit = opts.jit ?? true;
      hart.jitWasm = opts.jitWasm ?? true;
      if (opts.jitThreshold !== undefined) hart.jitThreshold = opts.jitThreshold;
      hart.watchpoints = this.watchpoints;
      this.harts.push(hart);
      // Sstc: a stimecmp/menvcfg write re-drives STIP at once and may bring the deadline closer.
      onTimerCsrWrite(hart, () => {
        this.updateSstc(hart);
        this.timerWritten();
      });
    }
    this.ram.onExternalWrite = (page) => {
      for (const hart of this.harts) hart.invalidateCodePage(page);
    };
    const setMip = (hart: number, bit: number, level: boolean): void => this.harts[hart].setPending(bit, level);

    this.clint = new Clint(this.clock, smp, setMip);
    this.plic = new Plic(smp, setMip);
    const out = opts.onConsoleOutput;
    this.uart = new Uart16550(this.plic.irq(VIRT_IRQ.uart0), (b) => out?.(Uint8Array.of(b)));
    this.test = new SifiveTest((a) => {
      if (this.action !== null) return;
      this.action = a;
      // Stop right after the store that asked, as QEMU exits there.
      this.running?.stopAfterThis('budget');
    });
    this.rtc = new GoldfishRtc(this.clock, this.plic.irq(VIRT_IRQ.rtc), opts.rtcEpochNs ?? 0);

    this.addDevice(VIRT.test.base, VIRT.test.size, this.test);
    this.addDevice(VIRT.rtc.base, VIRT.rtc.size, this.rtc, true);
    this.addDevice(VIRT.clint.base, VIRT.clint.size, this.clint, true);
    this.addDevice(VIRT.plic.base, VIRT.plic.size, this.plic);
    this.addDevice(VIRT.uart0.base, VIRT.uart0.size, this.uart);
    if (opts.drive !== undefined) this.disk = new DiskOverlay(opts.drive);
    if (opts.net) this.net = new VirtioNet(opts.net.mac ?? DEFAULT_MAC, this.netLink(opts));
    for (let k = 0; k < VIRT.virtio.count; k++) {
      const backend = k === VIRT_SLOT.disk && this.disk ? new VirtioBlk(this.disk) : k === VIRT_SLOT.net ? this.net ?? null : null;
      const dev = new VirtioMmio(this.bus, this.plic.irq(VIRT_IRQ.virtio + k), backend, {
        legacy: (k === VIRT_SLOT.net ? opts.net?.legacy : opts.driveLegacy) ?? false,
        name: `virtio${k}`,
      });
      this.virtio.push(dev);
      this.addDevice(VIRT.virtio.base + k * VIRT.virtio.size, VIRT.virtio.size, dev);
    }

    this.dtb = plan.dtb;
    const rom = buildBootRom({
      romBase: VIRT.mrom.base,
      romSize: VIRT.mrom.size,
      startAddr: plan.startAddr,
      fdtAddr: plan.dtbAddr,
      kernelEntry: plan.kernelEntry,
    });
    this.bus.mapRom(VIRT.mrom.base, rom, 'mrom');

    for (const r of plan.regions) if (r.data.length > 0) this.bus.writeBytes(r.start, r.data);
    this.bus.writeBytes(plan.dtbAddr, this.dtb);
    this.initialRam = this.ram.snapshot();
    this.powerOn();
  }

  /** The far end of the network card's cable: the built-in peer, or the host through onNetTransmit. */
  private netLink(opts: VirtOptions): NetLink {
    if (opts.net?.peer !== 'user') {
      const out = opts.onNetTransmit;
      return { transmit: (f) => out?.(f) };
    }
    const peer = new UserNetPeer();
    (this as { netPeer?: UserNetPeer }).netPeer = peer;
    return {
      // Replies arrive at once, within the instruction that notified the queue: deterministic.
      transmit: (f) => {
        for (const r of peer.input(f)) this.net!.receive(r);
      },
      saveState: () => peer.saveState(),
      loadState: (s) => peer.loadState(s),
    };
  }

  /** Map a device; a timer's writes may move the next deadline, so they are watched. */
  private addDevice(base: number, size: number, dev: MmioDevice, timer = false): void {
    this.bus.map(base, size, timer ? this.watchTimerWrites(dev) : dev);
    this.devices.push(dev);
  }

  private watchTimerWrites(dev: MmioDevice): MmioDevice {
    return {
      name: dev.name,
      read: (o, sz) => dev.read(o, sz),
      write: (o, sz, v) => {
        dev.write(o, sz, v);
        this.timerWritten();
      },
      reset: () => dev.reset(),
      saveState: () => dev.saveState(),
      loadState: (st) => dev.loadState(st),
    };
  }

  /**
   * The guest wrote a timer (mtimecmp, mtime, RTC alarm) during a slice. If that brings the
   * next deadline closer, the running hart stops after this instruction so the timer is
   * updated at exactly the deadline icount (a function of guest state, so deterministic).
   */
  private timerWritten(): void {
    const d = this.deadlineIcount();
    if (d < this.sched.nextEvent) {
      this.sched.nextEvent = d;
      this.running?.stopAfterThis('budget');
    }
  }

  /** Every hart at the reset vector, devices at power-on state, timers re-evaluated. */
  private powerOn(): void {
    // Harts first: their reset clears mip, then devices drive their (reset) line levels.
    for (const h of this.harts) h.reset(VIRT.mrom.base);
    for (const d of this.devices) d.reset();
    this.sched = { cur: 0, quantumLeft: this.quantum, nextEvent: Infinity };
    this.action = null;
    this.deviceEvent();
  }

  /** Reset the whole board as QEMU's system reset does: RAM reloaded, devices and harts reset; the disk keeps its writes. */
  private resetBoard(): void {
    this.ram.restore(this.initialRam);
    this.exitCode = undefined;
    this.powerOn();
  }

  get hartCount(): number {
    return this.harts.length;
  }

  /** Current pc of hart `hart` as a signed 64-bit number (virtual address convention). */
  pcOf(hart: number): number {
    return Number(BigInt.asIntN(64, this.harts[hart].getPC()));
  }

  get icount(): number {
    return this.clock.icount;
  }

  /** stimecmp of `h` in `time` ticks (64-bit unsigned, as a double). */
  private stimecmp(h: Hart): number {
    return (h.csr[2 * CSR.stimecmp + 1] >>> 0) * 4294967296 + (h.csr[2 * CSR.stimecmp] >>> 0);
  }

  /** Sstc: STIP of `h` is high while menvcfg.STCE is set and time >= stimecmp. */
  private updateSstc(h: Hart): void {
    h.setPending(MIP_STIP_BIT, sstcEnabled(h) && this.clock.mtime() >= this.stimecmp(h));
  }

  /** Smallest stimecmp (time ticks) of a hart with Sstc on whose STIP is still low; Infinity if none. */
  private sstcDeadline(): number {
    let best = Infinity;
    const now = this.clock.mtime();
    for (const h of this.harts) {
      if (!sstcEnabled(h)) continue;
      const t = this.stimecmp(h);
      if (t > now) best = Math.min(best, t);
    }
    return best;
  }

  /** Let the timers observe the current time, and compute the next icount at which they must. */
  private deviceEvent(): void {
    this.clint.update();
    this.rtc.update();
    for (const h of this.harts) this.updateSstc(h);
    this.sched.nextEvent = this.deadlineIcount();
  }

  /** icount of the nearest timer deadline (at least the next step), Infinity if none. */
  private deadlineIcount(): number {
    const clintIns = this.clock.insnsUntilMtime(Math.min(this.clint.nextDeadline(), this.sstcDeadline()));
    const rtcNs = this.rtc.nextDeadlineNs() - this.clock.nowNs();
    const rtcIns = rtcNs === Infinity || Number.isNaN(rtcNs) ? Infinity : Math.max(0, Math.ceil(rtcNs));
    const d = Math.min(clintIns, rtcIns);
    // A deadline already due was handled by update(); the next one is at least one step away.
    return d === Infinity ? Infinity : this.clock.icount + Math.max(1, d);
  }

  /**
   * Run up to `budget` steps in total. Harts take turns in quanta of `quantum` steps; a hart
   * waiting in WFI with nothing pending gives up its turn. Returns early for a breakpoint or
   * watchpoint (that hart, instruction not executed), a poweroff/fail (exitCode set), a reset
   * (board already reset), or when every hart waits for an interrupt ('idle').
   */
  run(budget: number, opts: RunOptions = {}): RunResult {
    let executed = 0;
    const n = this.harts.length;
    const ignorePending = new Uint8Array(n).fill(opts.ignoreFirstStop ? 1 : 0);
    if (this.exitCode !== undefined) return { executed: 0, reason: 'poweroff', hart: this.sched.cur, exitCode: this.exitCode };
    while (executed < budget) {
      const s = this.sched;
      if (this.clock.icount >= s.nextEvent) this.deviceEvent();
      if (s.quantumLeft <= 0) {
        this.nextHart();
        continue;
      }
      const hart = this.harts[s.cur];
      if (hart.waiting()) {
        // Every hart waits and no timer is due at this icount (it would have been updated
        // above): only a warp of virtual time or an input can wake them. The scheduler stays
        // as it is (the pass changes nothing), so however many runs find the board idle here,
        // live or in replay, the state is the same.
        if (this.allWaiting()) return { executed, reason: 'idle', hart: s.cur };
        this.nextHart();
        continue;
      }
      // One hart: quanta only hand the turn back to itself, so run straight to the next
      // device event (quantumLeft is then advanced arithmetically, exactly as per-quantum).
      const single = n === 1;
      const slice = Math.min(budget - executed, single ? Infinity : s.quantumLeft, s.nextEvent - this.clock.icount);
      this.running = hart;
      let done: number;
      try {
        done = hart.run(slice, ignorePending[s.cur] === 1);
      } finally {
        this.running = null;
      }
      if (done === 0 && hart.stopReason !== 'breakpoint' && hart.stopReason !== 'watchpoint') {
        throw new Error(`hart ${s.cur} made no progress (${hart.stopReason}) with a budget of ${slice}`);
      }
      executed += done;
      s.quantumLeft = single ? quantumAfter(this.quantum, s.quantumLeft, done) : s.quantumLeft - done;
      if (done > 0) ignorePending[s.cur] = 0;
      if (this.action !== null) return this.finishAction(executed);
      // Update timers as soon as their icount is reached, so the state at any icount is the
      // same whichever way the run stopped there.
      if (this.clock.icount >= s.nextEvent) this.deviceEvent();
      const why = hart.stopReason;
      if (why === 'breakpoint' || why === 'watchpoint') {
        return { executed, reason: why, hart: s.cur, watch: why === 'watchpoint' ? hart.lastWatch : undefined };
      }
      // The hart has just executed wfi: it gives up its turn.
      if (why === 'wfi') this.nextHart();
    }
    // Report the hart that ran last (settling may hand the turn to the next one).
    const last = this.sched.cur;
    this.settle();
    return { executed, reason: 'budget', hart: last };
  }

  /** True when every hart waits in WFI with no enabled interrupt pending. */
  private allWaiting(): boolean {
    for (const h of this.harts) if (!h.waiting()) return false;
    return true;
  }

  /**
   * Make the stopping point canonical, the state run() would reach here before executing the
   * next step: timers updated, the turn passed on from a finished quantum and over harts that
   * wait (unless all do: then it stays), and the hart that executes the next step has already
   * entered any interrupt pending for it. Then a state at icount N is the same whether
   * execution ran through N or stopped there, by budget, at a breakpoint (which run() reports
   * from exactly this state) or idle, and an input logged at N is applied to that one state,
   * live and in replay.
   */
  private settle(): void {
    const s = this.sched;
    if (this.clock.icount >= s.nextEvent) this.deviceEvent();
    if (s.quantumLeft <= 0) this.nextHart();
    if (this.harts[s.cur].waiting() && !this.allWaiting()) {
      while (this.harts[s.cur].waiting()) this.nextHart();
    }
    this.harts[s.cur].takeInterrupt();
  }

  /** Give the next hart a fresh quantum (forget LR reservations when another hart takes over). */
  private nextHart(): void {
    const s = this.sched;
    s.quantumLeft = this.quantum;
    if (this.harts.length === 1) return;
    this.harts[s.cur].clearReservation();
    s.cur = (s.cur + 1) % this.harts.length;
    this.harts[s.cur].clearReservation();
  }

  private finishAction(executed: number): RunResult {
    const a = this.action!;
    this.action = null;
    const hart = this.sched.cur;
    if (a.kind === 'reset') {
      this.resetBoard();
      return { executed, reason: 'reset', hart };
    }
    this.exitCode = a.code;
    return { executed, reason: 'poweroff', hart, exitCode: a.code };
  }

  applyInput(ev: InputEvent): void {
    switch (ev.kind) {
      // Device inputs may raise an interrupt: take it here, as a run through this point would.
      // (Debugger writes do not: `set $mstatus` must not move the pc under the user.)
      case 'console':
        this.uart.receive(ev.bytes);
        this.settle();
        break;
      case 'net':
        this.net?.receive(ev.frame);
        this.settle();
        break;
      case 'warp':
        this.clock.warpNs += ev.ns;
        this.deviceEvent();
        this.settle();
        break;
      case 'mem':
        if (!this.bus.writeBytes(ev.paddr, ev.bytes)) {
          // Not (all) RAM: byte by byte through the bus, as a debugger write to MMIO would.
          ev.bytes.forEach((b, i) => this.bus.write(ev.paddr + i, 1, b));
        }
        break;
      case 'reg':
        this.writeRegister(ev.hart, ev.regno, ev.value);
        break;
      case 'reset':
        this.resetBoard();
        break;
    }
  }

  /** A debugger register write by GDB register number. Throws for a register that does not exist. */
  private writeRegister(hartIndex: number, regno: number, value: bigint): void {
    const hart = this.harts[hartIndex];
    if (hart === undefined) throw new Error(`no hart ${hartIndex}`);
    if (regno >= 0 && regno < 32) hart.setX(regno, value);
    else if (regno === GDB_REGNO_PC) hart.setPC(value);
    else if (regno >= GDB_REGNO_F0 && regno < GDB_REGNO_F0 + 32) hart.setF(regno - GDB_REGNO_F0, value);
    else if (regno === GDB_REGNO_PRIV) {
      hart.priv = Number(value & 3n);
      hart.flushCaches();
    } else if (regno >= GDB_REGNO_CSR0 && regno < GDB_REGNO_CSR0 + 4096) {
      const csr = regno - GDB_REGNO_CSR0;
      if (!hart.writeCSR(csr, value)) throw new Error(`CSR 0x${csr.toString(16)} is not implemented`);
      if (csr === CSR_SATP) hart.flushCaches();
    } else throw new Error(`no register ${regno}`);
  }

  /** RAM pages copied on write so far. */
  get pagesCopied(): number {
    return this.ram.pagesCopied;
  }

  nsUntilNextDeadline(): number {
    const now = this.clock.nowNs();
    const clintTicks = Math.min(this.clint.nextDeadline(), this.sstcDeadline());
    const clintNs = clintTicks === Infinity ? Infinity : Math.max(0, clintTicks * (1e9 / 10_000_000) - now);
    const rtcDl = this.rtc.nextDeadlineNs();
    const rtcNs = rtcDl === Infinity ? Infinity : Math.max(0, rtcDl - now);
    return Math.min(clintNs, rtcNs);
  }

  virtualNs(): number {
    return this.clock.nowNs();
  }

  snapshot(): MachineSnapshot {
    const harts = this.harts.map((h) => h.saveState());
    const devices: Record<string, DeviceState> = {};
    for (const d of this.devices) devices[d.name] = d.saveState();
    const writable: number[] = [];
    for (const h of this.harts) h.writablePages(writable);
    const released: number[] = [];
    const ram = this.ram.snapshot(writable, released);
    if (released.length > 0) for (const h of this.harts) h.dropWritePages(released);
    return virtSnapshot({ clock: this.clock.saveState(), harts, devices, ram, sched: { ...this.sched }, exitCode: this.exitCode });
  }

  restore(snapshot: MachineSnapshot): void {
    const s = snapshot as VirtSnapshot;
    if (s.harts === undefined || s.harts.length !== this.harts.length) throw new Error('snapshot is not from this machine');
    this.clock.loadState(s.clock);
    this.ram.restore(s.ram);
    s.harts.forEach((st, i) => {
      this.harts[i].loadState(st);
    });
    // Devices after harts: their loadState re-drives interrupt lines into the restored harts.
    for (const d of this.devices) d.loadState(s.devices[d.name]);
    this.sched = { ...s.sched };
    this.exitCode = s.exitCode;
    this.action = null;
  }

  /** SHA-256 (hex) over clock, scheduler, harts, devices and non-zero RAM pages. */
  stateHash(): string {
    const h = createHash('sha256');
    h.update(canonical({ clock: this.clock.saveState(), sched: this.sched, exitCode: this.exitCode ?? null }));
    for (const hart of this.harts) h.update(canonical(hartHashForm(hart.saveState())));
    for (const d of this.devices) h.update(d.name + canonical(deviceHashForm(d.saveState())));
    const idx = new Uint32Array(1);
    for (let i = 0; i < this.ram.pageCount; i++) {
      if (!this.ram.written(i)) continue;
      const p = this.ram.readPageI32(i);
      let zero = true;
      for (let j = 0; j < p.length; j++) if (p[j] !== 0) { zero = false; break; }
      if (zero) continue; // an untouched page and a zeroed one are the same state
      idx[0] = i;
      h.update(idx);
      h.update(this.ram.readPageU8(i));
    }
    return h.digest('hex');
  }

  /** Bytes of guest physical memory (RAM or ROM) for the debugger; undefined if not memory. */
  readPhys(paddr: number, len: number): Uint8Array | undefined {
    return this.bus.readBytes(paddr, len);
  }
}


/** A deterministic text form of saved state for hashing (sorted keys, typed arrays as hex). */
/**
 * Host bytes a snapshot holds besides its page buffers and groups (which the store counts
 * once each), measured in heap snapshots of xv6 on 3 harts: a hart's saved state is about
 * 1.5 KiB, the devices' about 10 KiB (the PLIC's and virtio queues' most), the snapshot and
 * its group table 8 bytes a group.
 */
function snapshotStateBytes(harts: number, groups: number): number {
  return groups * 8 + harts * 1536 + 12 * 1024;
}

/** The disk overlay's state inside a device's saved state (virtio-blk's backend), if any. */
function diskStateOf(d: DeviceState): DeviceState | undefined {
  return ((d.backend as DeviceState | null)?.disk as DeviceState | undefined) ?? undefined;
}

/** A device state in the form hashes are computed over (the disk overlay per chunk). */
function deviceHashForm(d: DeviceState): DeviceState {
  const disk = diskStateOf(d);
  if (disk === undefined) return d;
  return { ...d, backend: { ...(d.backend as DeviceState), disk: diskHashForm(disk) } };
}

function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString() + 'n';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  // Word arrays hash as the number lists they are saved in place of (snapshots keep them
  // typed, for size); byte arrays (disk chunks, frames) as hex.
  if (v instanceof Int32Array || v instanceof Uint32Array || v instanceof Uint16Array || v instanceof Int16Array || v instanceof Float64Array) {
    return '[' + Array.prototype.join.call(v, ',') + ']';
  }
  if (ArrayBuffer.isView(v)) {
    return '<' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') + '>';
  }
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v instanceof Map) return canonical(Object.fromEntries(v));
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ':' + canonical(o[k])).join(',') + '}';
  }
  return JSON.stringify(String(v));
}


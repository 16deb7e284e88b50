/**
 * The timeline owns history: the machine, the event log, the snapshots and the end of history.
 * Every way of moving through time — running forward (recording or replaying), seeking,
 * reverse step / continue, last-write queries, changing the past — goes through here, so the
 * rules of design.md "Record, replay, reverse" live in one place.
 *
 * Position conventions: "position N" is the machine state as execution arrives after N
 * instructions, before the inputs logged at icount N are applied; those are applied when
 * execution departs from N (just before the instruction at N) or right away when they are new
 * (a debugger write, a queued console byte at the end of history). So what a live session showed
 * when it stopped at N is exactly what seek(N) shows later. A breakpoint or watchpoint hit at N
 * means the instruction at N has not executed.
 *
 * Idle warps (design.md "Idle warp"): at icount N, once the inputs logged at N are applied, if
 * every hart waits for an interrupt, virtual time jumps to the next timer deadline. That warp is
 * a function of the state, so it is not logged: replay, seeks and reverse execution take it at
 * the same point, after the same inputs, and a guest idling on a 1 kHz timer grows the log by
 * nothing. The log holds only warps that carry information: a live session waiting in host time
 * that was cut short (input arrived, the user interrupted) logs the time that really passed.
 * Unlogged warps taken at N are logged after all when a new input follows them at N, or when
 * a live run stops at the end of history right after them, so that the log keeps describing
 * the order of everything at N and the state at the end of history. The departure sequence at
 * N is thus: the inputs logged at N in order, then the unlogged warps; `appliedN` counts both.
 *
 * Long operations are async and cooperative: they run the machine in slices of a few
 * milliseconds and yield to the event loop between slices, so `interrupt()` (Ctrl-C) or an
 * AbortSignal stops them within a few slices, at a real icount with a consistent state.
 */
import type { InputEvent, MachineSnapshot, ReplayableMachine, RunResult, Watchpoint } from '../machine/types.js';
import { NS_PER_INSN } from './clock.js';
import createDebug from 'debug';
import { hostNowMs, waitHost, yieldToEventLoop } from './host-time.js';
import { EventLog } from './log.js';
import type { Recording, RecordingConfig, RecordingImage } from './recording.js';
import { SnapshotStore, type SnapshotEntry } from './snapshots.js';
import type { HistoryFile } from './history-file.js';

export type {
  HistoryHit, OperationOptions, ReverseContinueOptions, RunForwardOptions, TimelineInfo,
  TimelineOptions, TimelineStop, TimelineStopReason,
} from './timeline-types.js';
export { ReplayDivergenceError } from './timeline-types.js';
import { ReplayDivergenceError } from './timeline-types.js';
import type {
  HistoryHit, OperationOptions, ReverseContinueOptions, RunForwardOptions, TimelineInfo,
  TimelineOptions, TimelineStop, TimelineStopReason,
} from './timeline-types.js';

type ReplayOutcome =
  | { kind: 'reached' }
  | { kind: 'stopped'; r: RunResult }
  | { kind: 'interrupted' }
  | { kind: 'poweroff'; r: RunResult };

const log = createDebug('rvrr:replay');
const YIELD_MS = 5;
const PROGRESS_MS = 100;
const MIN_SLICE = 1000;
const MAX_SLICE = 50_000_000;
/** See Timeline.adaptRecordSpacing. */
const RECORD_COPIES_HIGH = 128;
const RECORD_MAX_LEVEL = 2;

/** The idle warp that reaches a deadline `ns` away (at least 1 ns, so time always moves). */
function deadlineWarpNs(ns: number): number {
  return Math.max(1, Math.ceil(ns));
}

/** Total of the warps in a log (all the idle warps of a log that logs every one: format 1, 2). */
function loggedWarpNs(log: Iterable<{ event: InputEvent }>): number {
  let ns = 0;
  for (const { event } of log) if (event.kind === 'warp') ns += event.ns;
  return ns;
}

export class Timeline {
  readonly log: EventLog;
  readonly snapshots: SnapshotStore;
  private end: number;
  private isLive: boolean;
  private readonly clockMode: 'realtime' | 'virtual';
  private readonly maxIdleWaitMs: number;
  private readonly expectedFinalHash?: string;
  private finalHashChecked = false;
  /**
   * The machine state has taken the first `appliedN` steps of the departure sequence at icount
   * `appliedIc`: the inputs logged there, then (beyond them) the unlogged idle warps in `idleNs`.
   */
  private appliedIc = 0;
  private appliedN = 0;
  /** ns of the unlogged idle warps the state took at `appliedIc` (appliedN - logged inputs there). */
  private idleNs: number[] = [];
  /** Idle warps (ns) in the state at the end of history with every input logged there applied. */
  private endWarp: number;
  private pending: InputEvent[] = [];
  private extending = false;
  private interruptRequested = false;
  private signal: AbortSignal | undefined;
  private readonly wake: { onWake: (() => void) | null } = { onWake: null };
  private slice = 20_000;
  /**
   * Snapshots taken while recording at the end of history are interval * 2^recordLevel apart:
   * each one copies every page the guest wrote since the one before, so a guest writing many
   * pages gets sparser snapshots (its first reverse step then replays a little more).
   */
  private recordLevel = 0;
  /** Pages copied while recording since the last recording snapshot (replays' copies not counted). */
  private recordCopies = 0;
  private lastYield = hostNowMs();
  private lastProgress = 0;
  private progressCb: ((f: number) => void) | undefined;
  private hart = 0;
  private checkpointSeq = 0;
  private lostCheckpoints = new Set<string>();
  private running = false;
  private readonly harts: number;
  private readonly history: HistoryFile | undefined;

  constructor(readonly machine: ReplayableMachine, opts: TimelineOptions = {}) {
    if (machine.icount !== 0) throw new Error(`a timeline starts at icount 0; the machine is at ${machine.icount}`);
    this.log = new EventLog(opts.log ?? []);
    this.end = opts.endIcount ?? Math.max(0, this.log.lastIcount);
    if (this.log.lastIcount > this.end) throw new RangeError(`log goes past the end of history (${this.log.lastIcount} > ${this.end})`);
    this.endWarp = opts.endWarpNs ?? loggedWarpNs(this.log);
    this.isLive = (opts.mode ?? 'live') === 'live';
    this.clockMode = opts.clockMode ?? 'realtime';
    this.maxIdleWaitMs = opts.maxIdleWaitMs ?? 50;
    this.expectedFinalHash = opts.expectedFinalHash;
    this.harts = machine.hartCount ?? opts.hartCount ?? 1;
    this.snapshots = new SnapshotStore(opts.snapshots);
    this.snapshots.add(0, machine.snapshot());
    this.history = opts.historyFile;
    const h = this.history;
    if (h) {
      // What an unlimited store keeps far from the position: the snapshots at multiples of the
      // coarsest spacing (arrival states). Spilling every thinned one as well cost a busy
      // guest 2.3x its recording time and 10x the file for seeks only a little faster.
      this.snapshots.onBudgetEvict = (e) => {
        if (this.snapshots.settled(e)) h.spill(e.snap);
      };
    }
  }

  /** Current position (global icount). */
  get icount(): number {
    return this.machine.icount;
  }

  /** End of history. */
  get endIcount(): number {
    return this.end;
  }

  /**
   * True while the machine runs new history (live, past the end of history): output produced
   * now is new. Re-execution (seeks, reverse steps, replay) sees false, so a network frame the
   * guest sends is put on the wire once, the first time it is computed.
   */
  get extendingHistory(): boolean {
    return this.extending;
  }

  /** True while forward execution past the end records (false while replaying a saved recording). */
  get live(): boolean {
    return this.isLive;
  }

  /** Hart that stopped or ran last. */
  get currentHart(): number {
    return this.hart;
  }

  // ---- inputs ----------------------------------------------------------------------------

  /** A host input (console bytes, ...) to apply and log at the next slice boundary at the end of history. */
  queueInput(ev: InputEvent): void {
    this.pending.push(ev);
    this.wake.onWake?.();
  }

  /** Host inputs of `kind` queued and not applied yet (a host source bounds its backlog by it). */
  pendingInputs(kind: InputEvent['kind']): number {
    let n = 0;
    for (const ev of this.pending) if (ev.kind === kind) n++;
    return n;
  }

  /**
   * A debugger write (memory, register) or user reset, applied and logged now. At an earlier
   * point than the end of history, or while replaying a recording, it changes the past: later
   * history is discarded and recording goes on from here.
   */
  recordDebuggerWrite(ev: InputEvent): void {
    this.assertIdle();
    const pos = this.icount;
    this.depart(); // inputs already logged here come before this one
    if (pos < this.end || !this.isLive) {
      this.log.truncateAfter(pos);
      // States saved here further along the departure sequence (more idle warps) are not in
      // the new history: it has this input next.
      for (const n of this.snapshots.dropAfter(pos, this.appliedN)) this.lostCheckpoints.add(n);
      this.history?.dropAfter(pos);
      this.end = pos;
      this.isLive = true;
      this.finalHashChecked = true;
    }
    this.applyNewInput(ev);
  }

  /** Log and apply an input at the current position (which is the end of history). */
  private applyNewInput(ev: InputEvent): void {
    this.depart();
    // Replay takes unlogged warps only after every input logged here: log those taken already.
    this.logIdleWarps();
    this.log.append(this.icount, ev);
    this.machine.applyInput(ev);
    this.appliedN++;
    this.noteEnd();
  }

  /** Steps of the departure sequence at the current icount the machine state has taken. */
  private appliedHere(): number {
    return this.appliedIc === this.icount ? this.appliedN : 0;
  }

  /** The unlogged idle warps (ns) the state took at the current icount. */
  private idleHere(): number[] {
    return this.appliedIc === this.icount ? this.idleNs : [];
  }

  /**
   * Apply the inputs logged at the current icount not applied yet: execution leaves here. With
   * `upTo` beyond them (going back to a state saved there), also the idle warps that followed.
   */
  private depart(upTo = Infinity): void {
    const pos = this.icount;
    const entries = this.log.at(pos);
    const n = Math.min(upTo, entries.length);
    // Counted before appliedIc moves: what was applied at an earlier icount is no count here.
    const done = this.appliedHere();
    if (this.appliedIc !== pos) this.idleNs = [];
    for (let k = done; k < n; k++) this.machine.applyInput(entries[k].event);
    this.appliedIc = pos;
    this.appliedN = Math.max(done, n);
    while (upTo !== Infinity && this.appliedN < upTo) {
      if (!this.deadlineWarp()) throw new Error(`no idle warp to take again at icount ${pos}`);
    }
  }

  /**
   * All harts wait at the current position and every input logged here is applied: warp
   * virtual time to the next timer deadline, unlogged (replay takes the same warp here).
   * Returns false when no deadline is armed (only host input can wake the guest).
   */
  private deadlineWarp(): boolean {
    this.depart();
    const ns = this.machine.nsUntilNextDeadline();
    if (!Number.isFinite(ns)) return false;
    const warp = deadlineWarpNs(ns);
    this.machine.applyInput({ kind: 'warp', ns: warp });
    this.idleNs.push(warp);
    this.appliedN++;
    this.noteEnd();
    return true;
  }

  /**
   * Log the unlogged idle warps taken at the current position, the end of history: a new
   * input follows them here, or a live run stops right after them (the log must then say what
   * the end-of-history state holds). The machine state does not change.
   */
  private logIdleWarps(): void {
    const here = this.idleHere();
    if (here.length === 0) return;
    if (this.icount !== this.end) throw new Error(`unlogged idle warps at icount ${this.icount}, inside history (end ${this.end})`);
    for (const ns of here) this.log.append(this.icount, { kind: 'warp', ns });
    this.idleNs = [];
  }

  /** All harts idle inside history with the inputs logged here applied: the recording warped here. */
  private idleInHistory(): void {
    if (!this.deadlineWarp()) this.divergence('all harts idle where the log has no input and no timer is armed');
  }

  /** At the end of history: note its virtual time (for the recording's metadata). */
  private noteEnd(): void {
    if (this.icount === this.end) this.endWarp = this.machine.virtualNs() - this.end * NS_PER_INSN;
  }

  /**
   * Stop the running operation at the next slice boundary (Ctrl-C). Requested while no
   * operation runs, it stops the next one at once (a Ctrl-C racing with a resume is not lost);
   * callers that want "no-op when idle" check `busy` first.
   */
  interrupt(): void {
    this.interruptRequested = true;
    this.wake.onWake?.();
  }

  // ---- plumbing --------------------------------------------------------------------------

  /** True while a long operation runs. */
  get busy(): boolean {
    return this.running;
  }

  private assertIdle(): void {
    if (this.running) throw new Error('the timeline is busy with another operation');
  }

  private async op<T>(opts: OperationOptions, body: () => Promise<T>): Promise<T> {
    this.assertIdle();
    const from = this.icount;
    const t0 = hostNowMs();
    this.running = true;
    this.signal = opts.signal;
    this.progressCb = opts.onProgress;
    this.lastProgress = hostNowMs();
    this.lastYield = hostNowMs();
    const onAbort = () => this.wake.onWake?.();
    opts.signal?.addEventListener('abort', onAbort);
    try {
      const out = await body();
      if (log.enabled) {
        const why = typeof out === 'object' && out !== null && 'reason' in out ? String((out as { reason: unknown }).reason) : 'done';
        log('icount %d -> %d: %s in %d ms; %d snapshots (%d bytes)', from, this.icount, why, Math.round(hostNowMs() - t0), this.snapshots.count, this.snapshots.bytes);
      }
      return out;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      // An interrupt is consumed by the operation it stopped (or that ended meanwhile).
      this.interruptRequested = false;
      this.signal = undefined;
      this.progressCb = undefined;
      this.running = false;
      this.snapshots.thin(this.anchors(), this.icount);
    }
  }

  private stopRequested(): boolean {
    return this.interruptRequested || this.signal?.aborted === true;
  }

  private anchors(extra?: number): number[] {
    return extra === undefined ? [this.icount, this.end] : [extra, this.end];
  }

  private stop(reason: TimelineStopReason, extra: Partial<TimelineStop> = {}): TimelineStop {
    return { reason, icount: this.icount, hart: this.hart, ...extra };
  }

  private async maybeYield(): Promise<void> {
    const now = hostNowMs();
    if (now - this.lastYield >= YIELD_MS) {
      await yieldToEventLoop();
      this.lastYield = hostNowMs();
    }
  }

  private progress(fraction: number): void {
    if (!this.progressCb) return;
    const now = hostNowMs();
    if (now - this.lastProgress >= PROGRESS_MS) {
      this.lastProgress = now;
      this.progressCb(Math.min(1, Math.max(0, fraction)));
    }
  }

  /** One machine.run, adapting the slice length so a slice takes a few milliseconds. */
  private run(n: number, ignoreFirstStop = false): RunResult {
    const t0 = hostNowMs();
    const r = this.machine.run(n, ignoreFirstStop ? { ignoreFirstStop: true } : undefined);
    const dt = hostNowMs() - t0;
    if (r.executed >= this.slice / 2) {
      if (dt > 2 * YIELD_MS) this.slice = Math.max(MIN_SLICE, Math.floor(this.slice / 2));
      else if (dt < YIELD_MS / 2) this.slice = Math.min(MAX_SLICE, Math.floor(this.slice * 1.5));
    }
    this.hart = r.hart;
    return r;
  }

  private restoreEntry(e: SnapshotEntry): void {
    this.machine.restore(e.snap);
    this.appliedIc = e.icount;
    this.appliedN = e.applied;
    // Its idle warps logged since (a new input followed them) are counted as logged inputs.
    const idle = e.applied - this.log.at(e.icount).length;
    const known = e.idleWarps ?? [];
    if (idle > known.length) throw new Error(`snapshot at icount ${e.icount} lacks ${idle - known.length} of its idle warps`);
    this.idleNs = idle > 0 ? known.slice(known.length - idle) : [];
  }

  /**
   * Restore the latest state from which execution reaches the arrival state at `icount`: a
   * snapshot in memory or, when nearer, one spilled to the history file (one that fails to
   * load is skipped for the next earlier). Returns the icount restored.
   */
  private restore(icount: number): number {
    const e = this.snapshots.latestAtOrBefore(icount);
    if (!e) throw new Error(`no snapshot at or before icount ${icount}`);
    for (let ic = this.history?.latestAtOrBefore(icount); ic !== undefined && ic > e.icount; ic = this.history!.latestAtOrBefore(ic - 1)) {
      const snap = this.history!.load(ic);
      if (!snap) continue;
      this.machine.restore(snap);
      this.appliedIc = ic;
      this.appliedN = 0;
      this.idleNs = [];
      return ic;
    }
    this.restoreEntry(e);
    return e.icount;
  }

  /** The icount `restore(icount)` would start from (barring a spilled snapshot that fails to load). */
  private nearestBase(icount: number): number {
    const mem = this.snapshots.latestAtOrBefore(icount)!.icount;
    const file = this.history?.latestAtOrBefore(icount);
    return file !== undefined && file > mem ? file : mem;
  }

  /** After execution moved: take a snapshot if the spacing rule plans one here. */
  private arrive(anchors: readonly number[], fine?: number, recording = false): void {
    const pos = this.icount;
    const minLevel = recording ? this.recordLevel : 0;
    if (!this.snapshots.has(pos) && this.appliedHere() === 0 && this.snapshots.wanted(pos, anchors, fine, minLevel)) {
      const c0 = this.machine.pagesCopied ?? 0;
      this.snapshots.add(pos, this.machine.snapshot());
      this.snapshots.thin(anchors, fine);
      if (recording) {
        this.recordCopies += (this.machine.pagesCopied ?? 0) - c0;
        this.adaptRecordSpacing(this.recordCopies);
        this.recordCopies = 0;
      }
    }
  }

  /**
   * The pages copied over one recording interval (during it and by its snapshot) decide the
   * next spacing: over RECORD_COPIES_HIGH doubles it, up to RECORD_MAX_LEVEL. Under 90% of
   * that halves it, since half the interval copies at most as many pages (so it does not
   * double straight back).
   */
  private adaptRecordSpacing(copies: number): void {
    if (copies > RECORD_COPIES_HIGH && this.recordLevel < RECORD_MAX_LEVEL) this.recordLevel++;
    else if (copies < RECORD_COPIES_HIGH * 0.9 && this.recordLevel > 0) this.recordLevel--;
  }

  /** At the end of a replayed recording, with its inputs applied: compare with the recorded hash. */
  private checkFinalHash(): void {
    if (this.finalHashChecked || this.expectedFinalHash === undefined || this.icount !== this.end) return;
    this.finalHashChecked = true;
    const h = this.machine.stateHash();
    if (h !== this.expectedFinalHash) {
      throw new ReplayDivergenceError(`replay diverged: state hash at the end of history (icount ${this.end}) is ${h}, the recording says ${this.expectedFinalHash}`);
    }
  }

  private withArmed<T>(bps: number[] | null, wps: Watchpoint[] | null, body: () => Promise<T>): Promise<T> {
    const m = this.machine;
    const savedB = [...m.breakpoints];
    const savedW = [...m.watchpoints];
    const set = (b: number[], w: Watchpoint[]) => {
      m.breakpoints.clear();
      for (const x of b) m.breakpoints.add(x);
      m.watchpoints.length = 0;
      m.watchpoints.push(...w);
    };
    set(bps ?? savedB, wps ?? savedW);
    return body().finally(() => set(savedB, savedW));
  }

  private divergence(what: string): never {
    throw new ReplayDivergenceError(`replay diverged at icount ${this.icount}: ${what}`);
  }

  /**
   * Execute inside history from the current position to `target` (<= end), injecting logged
   * inputs. With `onHit`, breakpoints/watchpoints as currently armed report hits; returning
   * true stops there, false steps over the hit and goes on.
   */
  private async replayTo(target: number, anchors: readonly number[], onHit?: (h: HistoryHit) => boolean, progressFrom?: { base: number; span: number }, fine?: number): Promise<ReplayOutcome> {
    const from = this.icount;
    while (this.icount < target) {
      if (this.stopRequested()) return { kind: 'interrupted' };
      const pos = this.icount;
      const limit = Math.min(target, this.log.nextIcountAfter(pos), this.snapshots.nextPlanned(pos, anchors, fine), pos + this.slice);
      this.depart();
      const r = this.run(limit - pos);
      this.arrive(anchors, fine);
      switch (r.reason) {
        case 'breakpoint':
        case 'watchpoint': {
          const hit: HistoryHit = { icount: this.icount, reason: r.reason, hart: r.hart, ...(r.watch ? { watch: r.watch } : {}) };
          const pc = this.machine.pcOf?.(r.hart);
          if (pc !== undefined) hit.pc = pc;
          if (!onHit || onHit(hit)) return { kind: 'stopped', r };
          this.depart();
          const s = this.run(1, true); // step over the reported instruction
          if (s.executed !== 1) this.divergence(`could not step over a ${r.reason} (${s.reason})`);
          this.arrive(anchors, fine);
          break;
        }
        case 'idle':
          // Every input logged here was applied before this run: the recording warped here.
          if (r.executed === 0 && this.icount < target) this.idleInHistory();
          break;
        case 'poweroff':
          // Arriving exactly at the target is arriving; and an input logged here (a reset
          // after the guest powered off) brings the machine back to life: go on.
          if (this.icount >= target) return { kind: 'reached' };
          if (this.log.at(this.icount).length > this.appliedHere()) break;
          return { kind: 'poweroff', r };
        default:
          break;
      }
      if (progressFrom) this.progress((progressFrom.base + (this.icount - from)) / progressFrom.span);
      else this.progress((this.icount - from) / Math.max(1, target - from));
      await this.maybeYield();
    }
    return { kind: 'reached' };
  }

  /**
   * Go to `target` within history (breakpoints disarmed). With `refine` (reverse steps), also
   * take finer snapshots just before it, so that the next reverse steps from there are cheap.
   */
  private async seekWithin(target: number, anchors: readonly number[] = this.anchors(target), refine = false): Promise<ReplayOutcome> {
    const pos = this.icount;
    if (target === pos) return { kind: 'reached' };
    if (!(pos < target && pos >= this.nearestBase(target))) this.restore(target);
    return this.withArmed([], [], () => this.replayTo(target, anchors, undefined, undefined, refine ? target : undefined));
  }

  /** Pin a snapshot at the current position (a point where a reverse operation stopped). */
  private pinHere(): void {
    this.snapshots.add(this.icount, this.machine.snapshot(), { stop: true, applied: this.appliedHere(), idleWarps: this.idleHere() });
  }

  // ---- forward ---------------------------------------------------------------------------

  /**
   * Run forward with breakpoints and watchpoints armed: replaying logged inputs inside history,
   * then (live) recording past the end, or (replay) stopping there with 'replaylog-end'.
   */
  runForward(opts: RunForwardOptions = {}): Promise<TimelineStop> {
    return this.op(opts, () => this.forward(opts, true));
  }

  private async forward(opts: RunForwardOptions, armed: boolean): Promise<TimelineStop> {
    const stop = await this.forwardRun(opts, armed);
    // Stopped at the end of a live history right after idle warps: the log says so.
    if (this.isLive && this.icount === this.end) this.logIdleWarps();
    return stop;
  }

  private async forwardRun(opts: RunForwardOptions, armed: boolean): Promise<TimelineStop> {
    const start = this.icount;
    const budgetEnd = opts.budget !== undefined ? start + opts.budget : Infinity;
    let stepOff = opts.ignoreFirstStop === true;
    let exitCode: number | undefined; // of a power-off this run arrived at
    const run = async (): Promise<TimelineStop> => {
      for (;;) {
        const atEnd = this.icount >= this.end;
        if (this.icount >= budgetEnd) return this.stop('budget');
        if (this.stopRequested()) return this.stop('interrupted');
        if (atEnd && !this.isLive) {
          this.depart();
          this.noteEnd();
          this.checkFinalHash();
          // A recording that ended with the guest powering off ends at that power-off.
          const code = this.machine.exitCode ?? exitCode;
          return this.stop('replaylog-end', code !== undefined ? { exitCode: code } : {});
        }
        // Host input that arrived meanwhile enters here, just before execution goes on (never
        // before returning: a stop shows the state as execution arrived, as seek does later).
        if (atEnd) while (this.pending.length > 0) this.applyNewInput(this.pending.shift()!);
        const pos = this.icount;
        const anchors = [pos, this.end];
        let n = 1;
        if (opts.stepHart === undefined && !stepOff) {
          let limit = Math.min(budgetEnd, this.snapshots.nextPlanned(pos, anchors, undefined, atEnd ? this.recordLevel : 0), pos + this.slice);
          if (!atEnd) limit = Math.min(limit, this.end, this.log.nextIcountAfter(pos));
          n = limit - pos;
        }
        this.depart();
        const c0 = this.machine.pagesCopied ?? 0;
        this.extending = atEnd && this.isLive;
        let r: RunResult;
        try {
          r = this.run(n, stepOff);
        } finally {
          this.extending = false;
        }
        // Stepping off a stop means off the next instruction: an idle run executed none (the
        // warp that follows wakes the hart at the same instruction).
        if (!(r.reason === 'idle' && r.executed === 0)) stepOff = false;
        if (atEnd) {
          this.end = Math.max(this.end, this.icount);
          this.noteEnd();
          this.recordCopies += (this.machine.pagesCopied ?? 0) - c0;
        }
        this.arrive(anchors, undefined, atEnd);
        switch (r.reason) {
          case 'breakpoint':
          case 'watchpoint':
            return this.stop(r.reason, r.watch ? { watch: r.watch } : {});
          case 'poweroff': {
            if (this.icount < this.end) {
              // A reset logged here (`monitor reset` after the guest exited) brings the machine
              // back to life: history goes on after it.
              if (this.log.at(this.icount).length <= this.appliedHere()) this.divergence('guest powered off inside history');
              if (opts.stepHart !== undefined && r.executed === 1 && r.hart === opts.stepHart) return this.stop('step');
              break;
            }
            exitCode = r.exitCode;
            // Replaying a recording: its end (checked at the top of the loop).
            if (!this.isLive) continue;
            // Live: a power-off just recorded, or the one that already ends history.
            const inHistory = !(atEnd && r.executed > 0);
            return this.stop('poweroff', { ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}), inHistory });
          }
          case 'idle':
            if (!atEnd) {
              if (r.executed === 0 && this.icount < this.end) this.idleInHistory();
            } else if (r.executed === 0 && this.isLive) {
              if (!(await this.idleWarp())) return this.stop('interrupted');
            }
            break;
          default:
            if (opts.stepHart !== undefined && r.executed === 1 && r.hart === opts.stepHart) return this.stop('step');
        }
        if (budgetEnd !== Infinity) this.progress((this.icount - start) / (budgetEnd - start));
        await this.maybeYield();
      }
    };
    return armed ? run() : this.withArmed([], [], run);
  }

  /**
   * All harts wait for an interrupt at the end of a live history: let virtual time pass.
   * Returns false when interrupted. A warp to the next deadline is not logged (replay takes it
   * again); a shorter one (host input arrived, or the user interrupted, before the deadline) is.
   */
  private async idleWarp(): Promise<boolean> {
    if (this.pending.length > 0) return true;
    const ns = this.machine.nsUntilNextDeadline();
    const full = Number.isFinite(ns) ? deadlineWarpNs(ns) : Infinity;
    if (this.clockMode === 'virtual') {
      if (this.deadlineWarp()) return true;
      // Nothing will ever wake the guest but host input: wait for it.
      while (this.pending.length === 0) {
        if (this.stopRequested()) return false;
        await waitHost(this.maxIdleWaitMs, this.wake);
      }
      return true;
    }
    // Virtual time follows host time up to the deadline: one wait, however many host timers
    // it takes, so one warp (or none) is logged per idle period cut short.
    const t0 = hostNowMs();
    let waitedMs = 0;
    while (waitedMs * 1e6 < full && this.pending.length === 0 && !this.stopRequested()) {
      await waitHost(Math.min(full / 1e6 - waitedMs, this.maxIdleWaitMs), this.wake);
      waitedMs = hostNowMs() - t0;
    }
    const warp = Math.min(Math.round(waitedMs * 1e6), full);
    if (warp === full) this.deadlineWarp();
    else if (warp > 0) this.applyNewInput({ kind: 'warp', ns: warp });
    return !this.stopRequested();
  }

  // ---- seeking ---------------------------------------------------------------------------

  /**
   * Go to position `target`: restore the latest snapshot at or before it and re-execute the
   * difference with logged inputs. Past the end of a live history, records forward to it.
   * Ends with reason 'step' (or 'interrupted', or 'poweroff' if the guest stopped first).
   */
  seek(target: number, opts: OperationOptions = {}): Promise<TimelineStop> {
    if (!Number.isSafeInteger(target) || target < 0) return Promise.reject(new RangeError(`bad icount ${target}`));
    if (target > this.end && !this.isLive) {
      return Promise.reject(new RangeError(`icount ${target} is beyond the end of history (${this.end})`));
    }
    return this.op(opts, async () => {
      const within = Math.min(target, this.end);
      const out = await this.seekWithin(within);
      if (out.kind === 'interrupted') return this.stop('interrupted');
      if (out.kind === 'poweroff') return this.stop('poweroff');
      if (target > this.icount) {
        const s = await this.forward({ budget: target - this.icount }, false);
        return s.reason === 'budget' ? this.stop('step') : s;
      }
      return this.stop('step');
    });
  }

  // ---- reverse ---------------------------------------------------------------------------

  /**
   * Step back one instruction (of `hart`, when given on a machine with several harts: to its
   * previous instruction, found by scanning history). At icount 0: 'replaylog-begin'.
   */
  reverseStep(hart?: number, opts: OperationOptions = {}): Promise<TimelineStop> {
    return this.op(opts, async () => {
      const start = this.icount;
      if (start === 0) return this.stop('replaylog-begin');
      if (this.harts <= 1) {
        const out = await this.seekWithin(start - 1, this.anchors(start - 1), true);
        if (out.kind === 'interrupted') return this.stop('interrupted');
        this.hart = 0;
        this.pinHere();
        return this.stop('step');
      }
      // Several harts: scan windows going back, one instruction at a time, noting who ran.
      let upper = start;
      let window = 256;
      for (;;) {
        const from = Math.max(0, start - window);
        const found = await this.withArmed([], [], async () => {
          const out = await this.seekWithin(from, this.anchors(start));
          if (out.kind !== 'reached') return out.kind;
          let last = -1;
          let lastHart = -1;
          while (this.icount < upper) {
            if (this.stopRequested()) return 'interrupted';
            this.depart();
            const r = this.run(1);
            if (r.executed === 1 && (hart === undefined || r.hart === hart)) {
              last = this.icount - 1;
              lastHart = r.hart;
            }
            if (r.executed === 0) {
              if (r.reason === 'idle') this.idleInHistory();
              else this.divergence(`machine made no progress (${r.reason}) while scanning history`);
            }
            this.arrive(this.anchors(start));
            await this.maybeYield();
          }
          return { last, lastHart };
        });
        if (found === 'interrupted') return this.stop('interrupted');
        if (typeof found === 'string') return this.stop(found === 'poweroff' ? 'poweroff' : 'interrupted');
        if (found.last >= 0) {
          const out = await this.seekWithin(found.last, this.anchors(found.last), true);
          if (out.kind === 'interrupted') return this.stop('interrupted');
          this.hart = found.lastHart;
          this.pinHere();
          return this.stop('step');
        }
        if (from === 0) {
          await this.seekWithin(0);
          return this.stop('replaylog-begin');
        }
        upper = from;
        window *= 16;
      }
    });
  }

  /**
   * Scan history backwards from the current position for the last hit of the armed
   * breakpoints/watchpoints strictly before it. Calls `accept` for candidates from the latest
   * back, with the timeline positioned at the candidate; the first accepted one is returned.
   */
  private async scanBack(start: number, accept: (h: HistoryHit) => boolean): Promise<HistoryHit | 'begin' | 'interrupted'> {
    let upper = start;
    while (upper > 0) {
      const base = this.restore(upper - 1);
      const hits: HistoryHit[] = [];
      const out = await this.replayTo(upper, this.anchors(start), (h) => {
        hits.push(h);
        return false;
      }, { base: start - upper, span: start });
      if (out.kind === 'interrupted') return 'interrupted';
      if (out.kind === 'poweroff') this.divergence('guest powered off inside history');
      for (let i = hits.length - 1; i >= 0; i--) {
        const h = hits[i];
        const s = await this.withArmed([], [], () => this.seekWithin(h.icount, this.anchors(start)));
        if (s.kind === 'interrupted') return 'interrupted';
        if (accept(h)) return h;
      }
      upper = base;
    }
    return 'begin';
  }

  /**
   * Run backwards to the last breakpoint or watchpoint hit before the current position (a hit
   * at the current position does not count). Watchpoint stops leave the accessing instruction
   * unexecuted (memory as before it). At icount 0: 'replaylog-begin'.
   */
  reverseContinue(opts: ReverseContinueOptions = {}): Promise<TimelineStop> {
    return this.op(opts, async () => {
      const start = this.icount;
      if (start === 0) return this.stop('replaylog-begin');
      this.pinHere();
      const found = await this.scanBack(start, (h) => !opts.predicate || opts.predicate(h));
      if (found === 'interrupted') return this.stop('interrupted');
      if (found === 'begin') {
        const out = await this.seekWithin(0);
        if (out.kind === 'interrupted') return this.stop('interrupted');
        return this.stop('replaylog-begin');
      }
      this.hart = found.hart;
      this.pinHere();
      if (found.reason === 'watchpoint' && opts.watchStop === 'after') {
        const out = await this.seekWithin(found.icount + 1);
        if (out.kind === 'interrupted') return this.stop('interrupted');
        this.hart = found.hart;
        this.pinHere();
      }
      return this.stop(found.reason, found.watch ? { watch: found.watch } : {});
    });
  }

  /**
   * The last write to guest virtual range [addr, addr+len) before the current position,
   * found by a backward watchpoint scan; the position is left unchanged. null if none.
   */
  lastWrite(addr: number, len: number, opts: OperationOptions = {}): Promise<HistoryHit | null | 'interrupted'> {
    return this.op(opts, async () => {
      const start = this.icount;
      if (start === 0) return null;
      const startApplied = this.appliedHere();
      this.pinHere();
      const savedHart = this.hart;
      const found = await this.withArmed([], [{ addr, len, kind: 'write' }], () => this.scanBack(start, () => true));
      // Back to where we were (the snapshot pinned at the start makes this quick); a query
      // must not move the position, so a Ctrl-C during the scan does not cut this short.
      this.interruptRequested = false;
      this.signal = undefined;
      const pinned = this.snapshots.get(start, startApplied);
      if (pinned) this.restoreEntry(pinned);
      else {
        await this.seekWithin(start);
        this.depart(startApplied);
      }
      this.hart = savedHart;
      if (found === 'interrupted') return 'interrupted';
      return found === 'begin' ? null : found;
    });
  }

  // ---- keyframes -------------------------------------------------------------------------

  /**
   * Seed history with a saved state (a recording's keyframe) at its icount, as execution
   * arrives there: seeks and reverse steps then start from it rather than from icount 0. The
   * spacing rule never drops it; the memory budget may, at once (so seeding many large
   * keyframes never holds more than the budget), far ones from the position first.
   */
  addKeyframe(snap: MachineSnapshot): void {
    this.assertIdle();
    if (!Number.isSafeInteger(snap.icount) || snap.icount < 0 || snap.icount > this.end) {
      throw new RangeError(`keyframe at icount ${snap.icount} is outside history (0 .. ${this.end})`);
    }
    this.snapshots.add(snap.icount, snap, { keyframe: true });
    this.snapshots.thin(this.anchors(), this.icount);
    log('keyframe at icount %d; %d snapshots (%d bytes)', snap.icount, this.snapshots.count, this.snapshots.bytes);
  }

  /**
   * Visit the states as execution arrives at each of `icounts` (ascending, within history),
   * handing each to `each` (which must not keep using the machine). The position, with the
   * inputs applied there, is as before afterwards.
   */
  statesAt(icounts: readonly number[], each: (icount: number, snap: MachineSnapshot) => void, opts: OperationOptions = {}): Promise<'done' | 'interrupted'> {
    for (const ic of icounts) if (!Number.isSafeInteger(ic) || ic < 0 || ic > this.end) return Promise.reject(new RangeError(`icount ${ic} is outside history (0 .. ${this.end})`));
    return this.op(opts, async () => {
      const start = this.icount;
      const startApplied = this.appliedHere();
      const startIdle = this.idleHere().slice();
      const back = this.machine.snapshot();
      const savedHart = this.hart;
      let out: 'done' | 'interrupted' = 'done';
      try {
        for (const ic of icounts) {
          const e = this.snapshots.get(ic);
          if (e) {
            each(ic, e.snap);
            continue;
          }
          // Standing at `ic` with inputs logged there applied (the end of history after
          // toRecording): the arrival state is behind, so go back before it.
          if (this.icount === ic && this.appliedHere() > 0) this.restore(ic - 1);
          const r = await this.seekWithin(ic);
          if (r.kind === 'interrupted') { out = 'interrupted'; break; }
          if (r.kind !== 'reached') this.divergence(`could not reach icount ${ic} (${r.kind})`);
          each(ic, this.machine.snapshot());
        }
      } finally {
        this.machine.restore(back);
        this.appliedIc = start;
        this.appliedN = startApplied;
        this.idleNs = startIdle;
        this.hart = savedHart;
      }
      return out;
    });
  }

  // ---- information and marks -------------------------------------------------------------

  /** Position, virtual time (ns since power-on) and current hart. */
  when(): { icount: number; virtualNs: number; hart: number } {
    // The machine's clock: idle warps to a deadline are in no log, only in the state.
    return { icount: this.icount, virtualNs: this.machine.virtualNs(), hart: this.hart };
  }

  /** Name the current position (default name "cpN"); a snapshot kept until its history is discarded. */
  checkpoint(name?: string): { name: string; icount: number } {
    this.assertIdle();
    const n = name ?? `cp${++this.checkpointSeq}`;
    this.snapshots.removeName(n);
    this.lostCheckpoints.delete(n);
    this.snapshots.add(this.icount, this.machine.snapshot(), { name: n, applied: this.appliedHere(), idleWarps: this.idleHere() });
    return { name: n, icount: this.icount };
  }

  /** Named checkpoints in icount order. */
  checkpoints(): { name: string; icount: number }[] {
    const out: { name: string; icount: number }[] = [];
    for (const e of this.snapshots.list()) for (const name of e.names) out.push({ name, icount: e.icount });
    return out;
  }

  /** Go back (or forward) to a named checkpoint. */
  async restart(name: string): Promise<TimelineStop> {
    this.assertIdle();
    const e = this.snapshots.named(name);
    if (!e) {
      if (this.lostCheckpoints.has(name)) throw new Error(`checkpoint ${name} was in history discarded by a change of the past`);
      throw new Error(`no checkpoint named ${name}`);
    }
    this.restoreEntry(e);
    this.snapshots.thin(this.anchors(), this.icount);
    return this.stop('step');
  }

  /** History span, snapshot count and memory, log size. */
  info(): TimelineInfo {
    let logBytes = 16 + Math.ceil(this.log.length / 1024) * 12;
    for (const { event: ev } of this.log) {
      logBytes += 13 + (ev.kind === 'console' ? ev.bytes.length : ev.kind === 'net' ? ev.frame.length : ev.kind === 'mem' ? 8 + ev.bytes.length : ev.kind === 'reg' ? 16 : ev.kind === 'warp' ? 8 : 0);
    }
    return {
      startIcount: 0,
      endIcount: this.end,
      position: this.icount,
      live: this.isLive,
      snapshotCount: this.snapshots.count,
      snapshotBytes: this.snapshots.bytes,
      snapshotBudget: this.snapshots.policy.memoryBudget,
      keyframeCount: this.snapshots.list().filter((e) => e.keyframe).length,
      logEntries: this.log.length,
      logBytes,
      ...(this.history ? { historyFile: this.history.stats() } : {}),
    };
  }

  /**
   * The history as a recording (the caller supplies what the machine was built from). Positioned
   * at the end of history, it includes the state hash there (inputs applied) for replay to verify.
   */
  toRecording(config: RecordingConfig, images: RecordingImage[]): Recording {
    this.assertIdle();
    let finalStateHash: string | undefined;
    if (this.icount === this.end) {
      this.depart();
      this.noteEnd();
      finalStateHash = this.machine.stateHash();
    }
    return {
      config, images, log: this.log.toArray(), endIcount: this.end, endWarpNs: this.endWarp,
      ...(finalStateHash !== undefined ? { finalStateHash } : {}),
    };
  }
}

/**
 * The snapshot store: full machine states at icounts, so that seek and reverse execution only
 * re-execute a short stretch.
 *
 * Spacing is logarithmic in the distance from the "anchors" (the current position and the end
 * of history), like rr's timeline: within `interval * perLevel` instructions of an anchor a
 * snapshot every `interval`; each further doubling of the distance doubles the spacing. So a
 * reverse step near the present replays at most `interval` instructions, and one far back
 * replays at most about distance / perLevel. On top of that: icount 0 (always kept), named
 * checkpoints (kept until their history is discarded) and the points where reverse operations
 * stopped (the newest `maxStopPins`). A memory budget thins the remaining ones, far ones first.
 */
import type { MachineSnapshot, PageGroup } from '../machine/types.js';

/** Tunables of the store. */
export interface SnapshotPolicy {
  /** Finest spacing in instructions, used near the anchors. */
  interval: number;
  /** Snapshots per doubling of the distance from an anchor. */
  perLevel: number;
  /** Bytes the snapshots may hold (`--snapshot-memory`); Infinity for no limit. */
  memoryBudget: number;
  /** How many reverse-stop snapshots stay pinned (older ones fall back to the spacing rule). */
  maxStopPins: number;
  /**
   * Extra halvings of the spacing below `interval` around a "fine" anchor (the target of a
   * seek): after one reverse step, the next ones replay at most interval / 2^fineLevels.
   * Forward runs never plan these (they would cost a snapshot every few thousand instructions).
   */
  fineLevels: number;
  /**
   * Coarsest level: however far from an anchor, snapshots are at most interval * 2^maxLevel
   * apart (the memory budget may still thin them), so that a seek anywhere in a long history
   * replays a bounded number of instructions.
   */
  maxLevel: number;
}

export const DEFAULT_SNAPSHOT_POLICY: SnapshotPolicy = {
  // With compiled blocks a million instructions replay in a few milliseconds; closer spacing
  // would spend more on copy-on-write page copies while recording than it saves in reverse.
  interval: 1_000_000,
  perLevel: 16,
  memoryBudget: 1024 * 1024 * 1024,
  maxStopPins: 8,
  fineLevels: 3,
  // 1M * 2^3 = 8M instructions: well under 100 ms of replay at worst.
  maxLevel: 3,
};

/** One stored snapshot and why it is kept. */
export interface SnapshotEntry {
  readonly icount: number;
  /**
   * How many of the inputs logged at `icount` the snapshot state has applied: 0 for the
   * position as execution arrives there (what seek returns); more for a state saved after a
   * debugger write or queued input at that icount (a checkpoint, a reverse-stop pin). It also
   * counts the unlogged idle warps to the next deadline taken there after those inputs (the
   * timeline's departure sequence at an icount is its logged inputs, then such warps).
   */
  readonly applied: number;
  /**
   * The unlogged idle warps (ns) counted in `applied`, oldest first: the last
   * `applied - (inputs logged at icount)` of them are the state's (the others were logged
   * since, when new input followed them there).
   */
  idleWarps?: readonly number[];
  snap: MachineSnapshot;
  /** Names of checkpoints at this icount (never thinned while non-empty). */
  names: string[];
  /** Non-zero: pinned as a reverse-stop point; larger is newer. */
  stopPin: number;
  /** A keyframe from the recording file: the spacing rule keeps it (the memory budget may not). */
  keyframe: boolean;
}

/**
 * Host bytes a page buffer costs besides its data, measured in heap snapshots: RAM pages have
 * two views (bytes and words, about 90 bytes each) and a FinalizationRegistry cell for each
 * (about 70), and this store a map entry. Counted so that the budget bounds what history
 * really holds (a 1 GiB budget is about 260,000 pages: 90 MiB of this).
 */
export const BUFFER_OVERHEAD = 384;

/**
 * A page group's reference count kept on the group itself, for the one store that counts it
 * first (named by its serial number, so that a group never keeps a store alive): a map lookup
 * per group per snapshot added or dropped was most of what accounting cost (a 128 MiB guest
 * has 512 groups of RAM pages in every snapshot). Other stores count it in their map.
 */
interface CountedGroup { refStore?: number; refs?: number }
let storeSerial = 0;

export class SnapshotStore {
  readonly policy: SnapshotPolicy;
  private readonly serial = ++storeSerial;
  /** Sorted by (icount, applied), at most one per pair. */
  private entries: SnapshotEntry[] = [];
  private pinSeq = 0;
  /** Reference counts of page buffers across all stored snapshots, for unique-page accounting. */
  private pageRefCount = new Map<ArrayBufferView, number>();
  /** Reference counts of page groups; a group's buffers are counted once while it is held. */
  private groupRefCount = new Map<PageGroup, number>();
  private pageBytes = 0;
  private otherBytes = 0;
  /**
   * Entries the spacing rule may still drop. One at a multiple of the coarsest spacing with no
   * input applied is wanted whatever the anchors (every finer spacing divides it), so thin()
   * never looks at it again: its cost stays with the few snapshots near the anchors instead of
   * growing with the whole history.
   */
  private unsettled = new Set<SnapshotEntry>();
  /**
   * Called with each snapshot the memory budget thins away, just before it goes (the history
   * file keeps it). Not called for the ones the spacing rule drops: those are not wanted.
   */
  onBudgetEvict: ((e: SnapshotEntry) => void) | undefined;

  constructor(policy: Partial<SnapshotPolicy> = {}) {
    this.policy = { ...DEFAULT_SNAPSHOT_POLICY, ...policy };
    if (!(this.policy.interval >= 1) || !(this.policy.perLevel >= 1)) throw new RangeError('snapshot interval and perLevel must be >= 1');
  }

  get count(): number {
    return this.entries.length;
  }

  /** Bytes held by all snapshots (each shared page counted once). */
  get bytes(): number {
    return this.pageBytes + this.otherBytes;
  }

  list(): readonly SnapshotEntry[] {
    return this.entries;
  }

  private index(icount: number): number {
    // First entry with icount >= `icount`.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].icount < icount) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The snapshot at `icount` with `applied` inputs applied (default 0: the arrival state). */
  get(icount: number, applied = 0): SnapshotEntry | undefined {
    for (let i = this.index(icount); i < this.entries.length && this.entries[i].icount === icount; i++) {
      if (this.entries[i].applied === applied) return this.entries[i];
    }
    return undefined;
  }

  /** True when there is an arrival-state snapshot at `icount`. */
  has(icount: number): boolean {
    return this.get(icount) !== undefined;
  }

  /**
   * The latest snapshot from which execution can reach the arrival state at `icount`:
   * before it, or at it with no input applied yet.
   */
  latestAtOrBefore(icount: number): SnapshotEntry | undefined {
    const at = this.get(icount);
    if (at) return at;
    const i = this.index(icount) - 1;
    return i >= 0 ? this.entries[i] : undefined;
  }

  private account(snap: MachineSnapshot, sign: 1 | -1): void {
    if (snap.pageRefs === undefined && snap.pageGroups === undefined) {
      this.otherBytes += sign * snap.approxBytes;
      return;
    }
    this.otherBytes += sign * (snap.stateBytes ?? 0);
    if (snap.pageRefs !== undefined) this.countPages(snap.pageRefs, sign);
    if (snap.pageGroups === undefined) return;
    for (const g of snap.pageGroups) {
      if (g === null) continue;
      const n = this.groupRef(g, sign);
      // Only a group appearing or going away changes which buffers are held.
      if (n === 0 || (n === 1 && sign === 1)) {
        this.countPages(g.u8, sign);
        this.otherBytes += sign * groupBytes(g);
      }
    }
  }

  /** Add `sign` to group g's reference count; returns the new count. */
  private groupRef(g: PageGroup, sign: 1 | -1): number {
    const c = g as PageGroup & CountedGroup;
    if (c.refStore === this.serial) {
      const n = c.refs! + sign;
      c.refs = n;
      if (n === 0) c.refStore = 0;
      return n;
    }
    if (sign === 1 && !c.refStore && !this.groupRefCount.has(g)) {
      c.refStore = this.serial;
      c.refs = 1;
      return 1;
    }
    const n = (this.groupRefCount.get(g) ?? 0) + sign;
    if (n === 0) this.groupRefCount.delete(g);
    else this.groupRefCount.set(g, n);
    return n;
  }

  private countPages(pages: ReadonlyArray<ArrayBufferView | null>, sign: 1 | -1): void {
    for (const p of pages) {
      if (p === null) continue;
      const n = (this.pageRefCount.get(p) ?? 0) + sign;
      if (n === 0) {
        this.pageRefCount.delete(p);
        this.pageBytes -= p.byteLength + BUFFER_OVERHEAD;
      } else {
        if (n === 1 && sign === 1) this.pageBytes += p.byteLength + BUFFER_OVERHEAD;
        this.pageRefCount.set(p, n);
      }
    }
  }

  /**
   * Store a snapshot taken at `icount` with `applied` of the inputs logged there applied.
   * An existing entry there keeps its snapshot unless `replace`; `name` / `stop` add reasons to keep it.
   */
  add(icount: number, snap: MachineSnapshot, opts: { applied?: number; idleWarps?: readonly number[]; name?: string; stop?: boolean; replace?: boolean; keyframe?: boolean } = {}): SnapshotEntry {
    const applied = opts.applied ?? 0;
    let e = this.get(icount, applied);
    if (e) {
      if (opts.replace) {
        this.account(e.snap, -1);
        e.snap = snap;
        this.account(snap, 1);
      }
    } else {
      let i = this.index(icount);
      while (i < this.entries.length && this.entries[i].icount === icount && this.entries[i].applied < applied) i++;
      e = { icount, applied, snap, names: [], stopPin: 0, keyframe: false, ...(opts.idleWarps?.length ? { idleWarps: opts.idleWarps.slice() } : {}) };
      this.entries.splice(i, 0, e);
      this.account(snap, 1);
      if (!this.settled(e)) this.unsettled.add(e);
    }
    if (opts.name !== undefined && !e.names.includes(opts.name)) e.names.push(opts.name);
    if (opts.keyframe) e.keyframe = true;
    if (opts.stop) {
      e.stopPin = ++this.pinSeq;
      const pinned = this.entries.filter((x) => x.stopPin !== 0).sort((a, b) => b.stopPin - a.stopPin);
      for (const old of pinned.slice(this.policy.maxStopPins)) old.stopPin = 0;
    }
    return e;
  }

  /** Remove every name `name` from the entries (a checkpoint being redefined). */
  removeName(name: string): void {
    for (const e of this.entries) e.names = e.names.filter((n) => n !== name);
  }

  /** The entry holding checkpoint `name`. */
  named(name: string): SnapshotEntry | undefined {
    return this.entries.find((e) => e.names.includes(name));
  }

  /**
   * Drop every snapshot after `icount` (changing the past), and those at `icount` with more
   * than `applied` inputs applied. Returns the checkpoint names lost.
   */
  dropAfter(icount: number, applied = Infinity): string[] {
    let i = this.index(icount);
    while (i < this.entries.length && this.entries[i].icount === icount && this.entries[i].applied <= applied) i++;
    const lost: string[] = [];
    for (const e of this.entries.splice(i)) {
      lost.push(...e.names);
      this.account(e.snap, -1);
      this.unsettled.delete(e);
    }
    return lost;
  }

  /**
   * Wanted by the spacing rule whatever the anchors (see `unsettled`): an arrival state at a
   * multiple of the coarsest spacing.
   */
  settled(e: SnapshotEntry): boolean {
    return e.applied === 0 && e.icount % this.stepAt(this.policy.maxLevel) === 0;
  }

  private remove(e: SnapshotEntry): void {
    // Entries are sorted by icount: start from the first at e's.
    for (let i = this.index(e.icount); i < this.entries.length && this.entries[i].icount === e.icount; i++) {
      if (this.entries[i] !== e) continue;
      this.entries.splice(i, 1);
      this.account(e.snap, -1);
      this.unsettled.delete(e);
      return;
    }
  }

  /** Spacing at `level` (0: `interval`; negative levels are the fine ones). */
  private stepAt(level: number): number {
    const { interval } = this.policy;
    return level >= 0 ? interval * 2 ** level : Math.max(1, Math.floor(interval / 2 ** -level));
  }

  /** Spacing wanted at `distance` from an anchor, never finer than `minLevel`. */
  private levelStep(distance: number, minLevel = 0): number {
    const near = this.policy.interval * this.policy.perLevel;
    if (distance < near * 2 ** minLevel) return this.stepAt(minLevel);
    return this.stepAt(Math.min(this.policy.maxLevel, Math.floor(Math.log2(distance / near)) + 1));
  }

  /**
   * True when the spacing rule wants a snapshot at `icount`, given the anchors (and a fine
   * anchor, around which the spacing goes down to interval / 2^fineLevels); `minLevel` makes
   * the spacing around the anchors at least interval * 2^minLevel.
   */
  wanted(icount: number, anchors: readonly number[], fine?: number, minLevel = 0): boolean {
    if (icount === 0) return true;
    for (const a of anchors) if (icount % this.levelStep(Math.abs(a - icount), minLevel) === 0) return true;
    if (fine !== undefined && icount % this.levelStep(Math.abs(fine - icount), -this.policy.fineLevels) === 0) return true;
    return false;
  }

  /** First wanted icount > `after` around anchor `a` (levels from `minLevel`), ignoring existing snapshots. */
  private nextAround(after: number, a: number, minLevel: number): number {
    const { interval, perLevel } = this.policy;
    let m = Infinity;
    const top = Math.max(minLevel, this.policy.maxLevel);
    for (let level = minLevel; level <= top; level++) {
      const step = this.stepAt(level);
      // The coarsest level reaches everywhere.
      const radius = level === top ? Infinity : interval * perLevel * 2 ** level;
      if (step > Number.MAX_SAFE_INTEGER / 2) break;
      const lo = Math.max(after, a - radius);
      const c = Math.floor(lo / step) * step + step;
      if (c < a + radius && c < m) m = c;
      if (a - radius <= after && a + radius > after + step) break; // coarser levels cannot be nearer
    }
    return m;
  }

  /**
   * The first icount > `after` that the spacing rule wants and that has no snapshot yet:
   * where execution passing by should stop for a moment to take one (Infinity if none).
   */
  nextPlanned(after: number, anchors: readonly number[], fine?: number, minLevel = 0): number {
    let best = Infinity;
    const around: [number, number][] = anchors.map((a) => [a, minLevel]);
    if (fine !== undefined) around.push([fine, -this.policy.fineLevels]);
    for (const [a, minLevel] of around) {
      let from = after;
      // A few rounds skip planned points that already hold a snapshot.
      for (let round = 0; round < 64; round++) {
        const m = this.nextAround(from, a, minLevel);
        if (m === Infinity || !this.has(m)) {
          if (m < best) best = m;
          break;
        }
        from = m;
      }
    }
    return best;
  }

  /**
   * Apply the spacing rule around the anchors, then the memory budget (far ones go first;
   * icount 0 and named checkpoints are never thinned).
   */
  thin(anchors: readonly number[], fine?: number): void {
    for (const e of [...this.unsettled]) {
      const keep = (e.icount === 0 && e.applied === 0) || e.names.length !== 0 || e.stopPin !== 0 || e.keyframe;
      if (!keep && (e.applied !== 0 || !this.wanted(e.icount, anchors, fine))) this.remove(e);
    }
    while (this.bytes > this.policy.memoryBudget) {
      // Remove the snapshot whose removal widens the gap least relative to its distance from the anchors.
      let victim: SnapshotEntry | undefined;
      let bestScore = Infinity;
      const far = Math.max(...anchors);
      for (let i = 1; i < this.entries.length; i++) {
        const e = this.entries[i];
        if (e.names.length !== 0 || (e.icount === 0 && e.applied === 0)) continue;
        const next = i + 1 < this.entries.length ? this.entries[i + 1].icount : Math.max(far, e.icount);
        const gap = next - this.entries[i - 1].icount;
        const dist = Math.min(...anchors.map((a) => Math.abs(a - e.icount)));
        const score = gap / Math.max(1, dist);
        if (score < bestScore) {
          bestScore = score;
          victim = e;
        }
      }
      if (!victim) break;
      this.onBudgetEvict?.(victim);
      this.remove(victim);
    }
  }
}

/** Host bytes of a group's own tables (two reference arrays and the object). */
function groupBytes(g: PageGroup): number {
  return 16 * g.u8.length + 64;
}

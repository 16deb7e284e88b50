/**
 * Keyframes between a session and its recording file: choosing where to write them, writing
 * them (from the snapshots in memory, or by replaying to the points that have none), and
 * seeding a replay's timeline with them.
 *
 * The rule (how many, where): candidates every `spacing` instructions, spacing =
 * max(minSpacing, end / maxCount) rounded up to a multiple of 8M instructions (1M below 8M:
 * the snapshot store keeps snapshots at those multiples, so most candidates need no replay),
 * plus the end of history (none at all for a history shorter than minSpacing). Their size is budgeted: all keyframes together at most
 * max(minBudget, share * the file without keyframes). Keyframes are paced over history: the
 * one at icount c is written only if the bytes written so far plus its own stay within
 * budget * c / end; a candidate that does not fit is skipped and the next one is encoded
 * against the last one written. So a file never exceeds its budget, a bounded number of
 * keyframes spreads over history, and a guest whose state changes a lot gets fewer.
 */
import type { MachineSnapshot } from '../machine/types.js';
import type { VirtSnapshot } from '../machine/virt.js';
import { KeyframeEncoder, KeyframeError, keyframeHeader, type KeyframeTarget } from '../replay/keyframe.js';
import { KeyframeDecoder } from '../replay/keyframe-decode.js';
import { KeyframeJsonError } from '../replay/keyframe-json.js';
import { encodedRecordingBytes, type Recording, type RecordingKeyframe } from '../replay/recording.js';
import type { Timeline } from '../replay/timeline.js';
import createDebug from 'debug';

const log = createDebug('rvrr:replay');

/** Where and how many keyframes a recording gets (see the module comment). */
export interface KeyframeRule {
  /** At most this many keyframes per file. */
  maxCount: number;
  /** Keyframes may add this share of the file's size without them. */
  share: number;
  /**
   * ... but at least this many bytes: the images and log of a busy guest's run are small (a
   * 1e10-instruction run of a compute guest is a few KiB), and reading 32 MiB is far cheaper
   * than re-executing billions of instructions.
   */
  minBudget: number;
  /** No closer than this (replaying that far takes well under 100 ms). */
  minSpacing: number;
}

export const DEFAULT_KEYFRAME_RULE: KeyframeRule = {
  // 1e10 instructions / 160: 64M apart, about 200 ms of replay at the recorded guests' speed.
  maxCount: 160,
  share: 0.25,
  minBudget: 32 << 20,
  minSpacing: 4_000_000,
};

/** The icounts the rule considers for a history ending at `end`, ascending. */
export function keyframeCandidates(end: number, rule: KeyframeRule = DEFAULT_KEYFRAME_RULE): number[] {
  // A history this short replays from icount 0 as fast as from a keyframe.
  if (end < Math.max(1, rule.minSpacing)) return [];
  const raw = Math.max(rule.minSpacing, Math.ceil(end / rule.maxCount), 1);
  const unit = raw >= 8_000_000 ? 8_000_000 : raw >= 1_000_000 ? 1_000_000 : 1;
  const spacing = Math.ceil(raw / unit) * unit;
  const out: number[] = [];
  for (let c = spacing; c < end && out.length < rule.maxCount - 1; c += spacing) out.push(c);
  out.push(end);
  return out;
}

/** What `withKeyframes` did. */
export interface KeyframeWriteReport {
  written: number;
  candidates: number;
  bytes: number;
  budget: number;
  interrupted: boolean;
  /** Why keyframes stopped early (a state the format cannot hold), if they did. */
  failure?: string;
}

/**
 * The recording with keyframes chosen by `rule` (any it had are replaced), taken from the
 * timeline, which must hold the same history (`rec` came from it, or it replays `rec`).
 */
export async function withKeyframes(timeline: Timeline, rec: Recording, rule: KeyframeRule = DEFAULT_KEYFRAME_RULE, opts: { signal?: AbortSignal } = {}): Promise<{ recording: Recording; report: KeyframeWriteReport }> {
  const bare: Recording = { ...rec };
  delete bare.keyframes;
  const budget = Math.max(rule.minBudget, Math.floor(rule.share * encodedRecordingBytes(bare)));
  const end = rec.endIcount;
  const candidates = keyframeCandidates(end, rule);
  const enc = new KeyframeEncoder();
  const keyframes: RecordingKeyframe[] = [];
  let bytes = 0;
  let failure: string | undefined;
  const r = await timeline.statesAt(candidates, (icount, snap) => {
    if (failure !== undefined) return;
    let k;
    try {
      k = enc.encode(snap as VirtSnapshot);
    } catch (e) {
      // A state this format cannot hold: no keyframe there or after (they would build on it).
      if (!(e instanceof KeyframeError || e instanceof KeyframeJsonError)) throw e;
      failure = `icount ${icount}: ${e.message}`;
      log('keyframes stop at %s', failure);
      return;
    }
    const cost = k.payload.length + 44;
    if (bytes + cost > (budget * icount) / end) return;
    k.commit();
    bytes += cost;
    keyframes.push({ icount, kind: keyframes.length === 0 ? 'full' : 'delta', payload: k.payload });
  }, opts.signal ? { signal: opts.signal } : {});
  return {
    recording: { ...bare, ...(keyframes.length > 0 ? { keyframes } : {}) },
    report: { written: keyframes.length, candidates: candidates.length, bytes, budget, interrupted: r === 'interrupted', ...(failure !== undefined ? { failure } : {}) },
  };
}

/** What `seedKeyframes` did. */
export interface KeyframeSeedReport {
  /** icounts of the keyframes now in the timeline. */
  used: number[];
  /** One line per keyframe that could not be used, and why. */
  problems: string[];
}

/**
 * Decode a replayed recording's keyframes and hand them to its timeline (positioned at 0,
 * with the recording's history). A keyframe that cannot be used (bad checksum, undecodable,
 * inconsistent) is reported and skipped: seeks past it start from the one before. With
 * `scratch` (a fresh timeline over the same recording, which this may run), deltas that build
 * on a skipped keyframe are rebuilt on the state that replaying to its icount gives there, so
 * they stay usable (and only what replay computed is trusted); without it they are skipped
 * too, up to the next full keyframe. The session's own timeline never runs here (its console
 * output is shown as execution first passes it). `report` gets each problem as it is found.
 */
export async function seedKeyframes(
  timeline: Timeline, rec: Recording, target: KeyframeTarget, report: (msg: string) => void = () => {}, scratch?: () => Timeline,
): Promise<KeyframeSeedReport> {
  const dec = new KeyframeDecoder(target);
  const used: number[] = [];
  const snaps: MachineSnapshot[] = [];
  const problems: string[] = [];
  const problem = (msg: string) => {
    problems.push(msg);
    log('%s', msg);
    report(msg);
  };
  let spare: Timeline | undefined;
  /** The state where execution arrives at `icount`, by replay on the scratch timeline from the keyframes so far. */
  const replayTo = async (icount: number): Promise<VirtSnapshot | undefined> => {
    if (!scratch || icount > rec.endIcount) return undefined;
    spare ??= scratch();
    for (const s of snaps) if (!spare.snapshots.has(s.icount)) spare.addKeyframe(s);
    let base: MachineSnapshot | undefined;
    await spare.statesAt([icount], (_ic, s) => { base = s; });
    return base as VirtSnapshot;
  };
  let last = 0;
  for (const [n, k] of (rec.keyframes ?? []).entries()) {
    const what = `keyframe ${n + 1} of ${rec.keyframes!.length}` + (Number.isNaN(k.icount) ? '' : ` (icount ${k.icount})`);
    if (k.problem) {
      problem(`${what}: ${k.problem}; skipped`);
      dec.reset();
      continue;
    }
    let snap: MachineSnapshot;
    try {
      if (k.icount <= last && used.length > 0) throw new KeyframeError(`icount ${k.icount} is not after the previous keyframe's ${last}`);
      if (k.icount > rec.endIcount) throw new KeyframeError(`icount ${k.icount} is beyond the end of history (${rec.endIcount})`);
      try {
        snap = dec.decode(k.payload);
      } catch (e) {
        // A delta whose base could not be used: rebuild the base, then decode it on top.
        const h = keyframeHeader(k.payload);
        if (!(e instanceof KeyframeError) || h.kind !== 'delta' || !/could not be used/.test(e.message)) throw e;
        const base = await replayTo(h.baseIcount);
        if (!base) throw e;
        dec.rebase(base);
        snap = dec.decode(k.payload);
      }
    } catch (e) {
      if (!(e instanceof KeyframeError)) throw e;
      problem(`${what}: ${e.message}; skipped`);
      continue;
    }
    timeline.addKeyframe(snap);
    used.push(k.icount);
    snaps.push(snap);
    last = k.icount;
  }
  log('%d of %d keyframes seeded', used.length, rec.keyframes?.length ?? 0);
  return { used, problems };
}

/**
 * Determinism check (design "Testing layers" 4): record a live run with inputs injected at
 * pseudo-random icounts, replay the log on a fresh machine, and compare `stateHash()` at many
 * pseudo-random icounts visited in random order (so replay seeks backwards and forwards).
 * The pseudo-random generator is seeded: the check itself is reproducible.
 */
import type { InputEvent, ReplayableMachine } from '../machine/types.js';
import type { SnapshotPolicy } from './snapshots.js';
import { Timeline } from './timeline.js';

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DeterminismOptions {
  /** Builds the same machine in its initial state each time. */
  makeMachine: () => ReplayableMachine;
  /** Instructions to record. */
  instructions: number;
  /** Number of inputs to inject during recording. */
  inputs: number;
  /** Makes the i-th input (e.g. console bytes). */
  makeInput: (i: number, rand: () => number) => InputEvent;
  /** Number of icounts at which to compare state hashes. */
  checks: number;
  seed?: number;
  snapshots?: Partial<SnapshotPolicy>;
}

export interface DeterminismReport {
  endIcount: number;
  logEntries: number;
  checked: number;
  mismatches: { icount: number; recorded: string; replayed: string }[];
}

/** Record, replay, compare. Resolves with the mismatches found (none when deterministic). */
export async function checkDeterminism(o: DeterminismOptions): Promise<DeterminismReport> {
  const rand = seededRandom(o.seed ?? 12345);
  const pick = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * o.instructions));
  const inputAt = pick(o.inputs).sort((a, b) => a - b); // all before the end, so all get applied
  const checkAt = [...new Set(pick(o.checks))];

  // 1. Record straight through, noting hashes at the check icounts.
  const live = new Timeline(o.makeMachine(), { mode: 'live', clockMode: 'virtual', snapshots: o.snapshots });
  const stops = [...new Set([...inputAt, ...checkAt, o.instructions])].sort((a, b) => a - b);
  const recorded = new Map<number, string>();
  let next = 0;
  for (const at of stops) {
    if (at > live.icount) {
      const s = await live.runForward({ budget: at - live.icount });
      if (s.reason === 'poweroff') break;
      if (s.reason !== 'budget') throw new Error(`recording stopped early: ${s.reason} at ${s.icount}`);
    }
    // The state as execution arrives here: what seek(at) must reproduce.
    recorded.set(at, live.machine.stateHash());
    // Applied and logged here when the next runForward starts.
    while (next < inputAt.length && inputAt[next] === at) live.queueInput(o.makeInput(next++, rand));
  }
  const endIcount = live.endIcount;

  // 2. Replay on a fresh machine, visiting the check icounts in shuffled order.
  const replay = new Timeline(o.makeMachine(), {
    mode: 'replay', log: live.log.toArray(), endIcount, snapshots: o.snapshots,
  });
  const order = [...recorded.keys()].filter((ic) => ic <= endIcount);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const mismatches: DeterminismReport['mismatches'] = [];
  for (const ic of order) {
    await replay.seek(ic);
    const h = replay.machine.stateHash();
    if (h !== recorded.get(ic)) mismatches.push({ icount: ic, recorded: recorded.get(ic)!, replayed: h });
  }
  return { endIcount, logEntries: live.log.length, checked: order.length, mismatches };
}

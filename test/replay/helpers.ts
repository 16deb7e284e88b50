/** Shared helpers for the timeline tests: building timelines and straight-run oracles. */
import { Timeline, type TimelineOptions } from '../../dist/replay/timeline.js';
import type { WatchHit } from '../../dist/machine/types.js';
import { FakeMachine, type FakeOptions } from './fake-machine.js';

export const POLICY = { interval: 500, perLevel: 4, memoryBudget: Infinity };

export function liveTimeline(f: FakeOptions = {}, t: TimelineOptions = {}): Timeline {
  return new Timeline(new FakeMachine(f), { clockMode: 'virtual', snapshots: POLICY, ...t });
}

export function fake(t: Timeline): FakeMachine {
  return t.machine as FakeMachine;
}

export interface OracleStop {
  icount: number;
  hart: number;
  pc: number;
  acc: number;
  watch?: WatchHit;
  /** 4 bytes at the watched access address before and after the instruction. */
  before?: number;
  after?: number;
}

function word(m: FakeMachine, addr: number): number {
  return new DataView(m.readMem(addr, 4).buffer).getUint32(0, true);
}

/**
 * Run a bare FakeMachine straight from 0 to `n` (idle warps straight to the deadline, as a
 * virtual-clock recording does), collecting every breakpoint / watchpoint stop.
 */
export function oracleStops(f: FakeOptions, n: number, arm: (m: FakeMachine) => void): { stops: OracleStop[]; hash: string } {
  const m = new FakeMachine(f);
  arm(m);
  const stops: OracleStop[] = [];
  let ignore = false;
  while (m.icount < n) {
    const r = m.run(n - m.icount, ignore ? { ignoreFirstStop: true } : undefined);
    ignore = false;
    if (r.reason === 'breakpoint' || r.reason === 'watchpoint') {
      const s: OracleStop = { icount: m.icount, hart: r.hart, pc: m.pcOf(r.hart), acc: m.accOf(r.hart) };
      if (r.watch) {
        s.watch = r.watch;
        s.before = word(m, r.watch.accessAddr);
        const saved = [...m.watchpoints];
        const savedB = [...m.breakpoints];
        m.watchpoints.length = 0;
        m.breakpoints.clear();
        const k = m.run(1);
        if (k.executed !== 1) throw new Error('oracle step failed');
        s.after = word(m, r.watch.accessAddr);
        m.watchpoints.push(...saved);
        for (const b of savedB) m.breakpoints.add(b);
      } else {
        ignore = true;
      }
      stops.push(s);
    } else if (r.reason === 'idle' && r.executed === 0) {
      m.applyInput({ kind: 'warp', ns: Math.max(1, Math.ceil(m.nsUntilNextDeadline())) });
    }
  }
  return { stops, hash: m.stateHash() };
}

export { word };

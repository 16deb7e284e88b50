import { expect } from 'chai';
import { BUFFER_OVERHEAD, SnapshotStore } from '../../dist/replay/snapshots.js';
import type { MachineSnapshot } from '../../dist/machine/types.js';

const fake = (icount: number, approxBytes = 1000): MachineSnapshot => ({ icount, approxBytes });

/** Drive the store as a forward run from 0 to `end` would: stop at each planned point. */
function simulateRun(store: SnapshotStore, end: number): void {
  store.add(0, fake(0));
  let pos = 0;
  for (;;) {
    const next = store.nextPlanned(pos, [pos]);
    if (next > end) break;
    pos = next;
    store.add(pos, fake(pos));
    store.thin([pos]);
  }
  store.thin([end]);
}

describe('replay/snapshots', () => {
  it('never spaces snapshots more than interval * 2^maxLevel apart, however far back', () => {
    const store = new SnapshotStore({ interval: 100, perLevel: 4, memoryBudget: Infinity, maxLevel: 3 });
    simulateRun(store, 1_000_000);
    const ics = store.list().map((e) => e.icount);
    for (let i = 1; i < ics.length; i++) expect(ics[i] - ics[i - 1], `gap before ${ics[i]}`).to.be.at.most(800);
    expect(ics.length).to.be.greaterThan(1_000_000 / 800);
  });

  it('thin keeps exactly what the spacing rule wants, also after a jump back and forth, with pins', () => {
    // Reference: the rule applied to every entry (what thin did before it skipped settled ones).
    const store = new SnapshotStore({ interval: 100, perLevel: 4, memoryBudget: Infinity, maxLevel: 3, maxStopPins: 2 });
    simulateRun(store, 300_000);
    store.add(123_457, fake(123_457), { stop: true });
    store.add(123_457, fake(123_457), { applied: 1 });
    store.add(200_050, fake(200_050), { name: 'cp' });
    for (const anchors of [[150_000, 300_000], [123_457, 300_000], [300_000, 300_000], [10, 300_000]]) {
      store.thin(anchors);
      for (const e of store.list()) {
        const keep = e.icount === 0 || e.names.length > 0 || e.stopPin !== 0;
        expect(keep || (e.applied === 0 && store.wanted(e.icount, anchors)), `${e.icount}/${e.applied} at ${anchors}`).to.equal(true);
      }
      // Every multiple of the coarsest spacing (800) passed by the run is still there.
      const ics = new Set(store.list().map((e) => e.icount));
      for (let ic = 0; ic <= 300_000; ic += 800) expect(ics.has(ic), `${ic}`).to.equal(true);
    }
    expect(store.get(123_457, 1)).to.equal(undefined);
    expect(store.get(123_457)?.stopPin).to.not.equal(0);
    expect(store.named('cp')?.icount).to.equal(200_050);
  });

  it('spaces snapshots densely near the present and geometrically sparser far back', () => {
    const interval = 100;
    const perLevel = 4;
    const end = 1_000_000;
    const store = new SnapshotStore({ interval, perLevel, memoryBudget: Infinity, maxLevel: 60 });
    simulateRun(store, end);
    const ics = store.list().map((e) => e.icount);
    expect(ics[0]).to.equal(0);
    // Near the end: one every `interval`.
    expect(ics.slice(-perLevel)).to.deep.equal([end - 300, end - 200, end - 100, end]);
    // Logarithmic count, not linear (10,000 points were passed).
    expect(ics.length).to.be.lessThan(perLevel * 15);
    expect(ics.length).to.be.greaterThan(perLevel * 5);
    // Every gap is at most twice its distance from the present over perLevel (so a reverse
    // step far back replays at most ~distance/perLevel*2 instructions).
    for (let i = 1; i < ics.length; i++) {
      const gap = ics[i] - ics[i - 1];
      expect(gap, `gap before ${ics[i]}`).to.be.at.most(Math.max(interval, (2 * (end - ics[i - 1])) / perLevel));
    }
  });

  it('thins to the memory budget, far ones first, always keeping icount 0 and named checkpoints', () => {
    const store = new SnapshotStore({ interval: 100, perLevel: 8, memoryBudget: 12_000 });
    store.add(0, fake(0));
    store.add(150, fake(150), { name: 'start-of-loop' });
    let pos = 0;
    for (;;) {
      const next = store.nextPlanned(pos, [pos]);
      if (next > 200_000) break;
      pos = next;
      store.add(pos, fake(pos));
      store.thin([pos]);
      expect(store.bytes).to.be.at.most(12_000);
    }
    const ics = store.list().map((e) => e.icount);
    expect(ics).to.include(0);
    expect(ics).to.include(150);
    expect(store.named('start-of-loop')!.icount).to.equal(150);
    expect(ics.length).to.equal(12);
    // The newest ones survive at full density.
    expect(ics.slice(-3)).to.deep.equal([199_800, 199_900, 200_000]);
  });

  it('counts pages shared between snapshots once', () => {
    const pages = Array.from({ length: 4 }, () => new Uint8Array(4096));
    const page = 4096 + BUFFER_OVERHEAD; // a buffer's data and its host objects
    const store = new SnapshotStore({ memoryBudget: Infinity });
    const s = (icount: number, refs: (Uint8Array | null)[]): MachineSnapshot =>
      ({ icount, approxBytes: 999_999, pageRefs: refs, stateBytes: 100 });
    store.add(0, s(0, [pages[0], pages[1], null]));
    expect(store.bytes).to.equal(2 * page + 100);
    store.add(10, s(10, [pages[0], pages[2], pages[3]]));
    expect(store.bytes).to.equal(4 * page + 200);
    store.dropAfter(5);
    expect(store.bytes).to.equal(2 * page + 100);
  });

  it('counts a page group once while any snapshot holds it, and its pages once across groups', () => {
    const pages = Array.from({ length: 3 }, () => new Uint8Array(4096));
    const page = 4096 + BUFFER_OVERHEAD;
    const store = new SnapshotStore({ memoryBudget: Infinity });
    const gA = { u8: [pages[0], null] };
    const gB = { u8: [pages[1], pages[2]] };
    const gB2 = { u8: [pages[1], null] }; // B with one page changed: shares pages[1]
    const s = (icount: number, groups: ({ u8: (Uint8Array | null)[] } | null)[]): MachineSnapshot =>
      ({ icount, approxBytes: 999_999, pageGroups: groups, stateBytes: 100 });
    const tables = (n: number) => n * (16 * 2 + 64);
    store.add(0, s(0, [gA, gB]));
    expect(store.bytes).to.equal(3 * page + 100 + tables(2));
    store.add(10, s(10, [gA, gB]));
    expect(store.bytes).to.equal(3 * page + 200 + tables(2), 'nothing changed: only the state');
    store.add(20, s(20, [gA, gB2]));
    expect(store.bytes).to.equal(3 * page + 300 + tables(3));
    store.dropAfter(5);
    expect(store.bytes).to.equal(3 * page + 100 + tables(2));
    store.add(30, s(30, [null, gB2]));
    store.dropAfter(-1);
    expect(store.bytes).to.equal(0);
  });

  it('counts groups held by two stores at once apart (the second counts them in its own map)', () => {
    const pages = Array.from({ length: 2 }, () => new Uint8Array(4096));
    const page = 4096 + BUFFER_OVERHEAD;
    const gA = { u8: [pages[0]] }, gB = { u8: [pages[1]] };
    const s = (icount: number, groups: { u8: Uint8Array[] }[]): MachineSnapshot =>
      ({ icount, approxBytes: 999_999, pageGroups: groups, stateBytes: 0 });
    const tables = (n: number) => n * (16 + 64); // groups of one page
    const one = new SnapshotStore({ memoryBudget: Infinity }), two = new SnapshotStore({ memoryBudget: Infinity });
    one.add(0, s(0, [gA]));
    two.add(0, s(0, [gA, gB]));
    one.add(10, s(10, [gA, gB]));
    two.add(10, s(10, [gA]));
    expect(one.bytes).to.equal(2 * page + tables(2));
    expect(two.bytes).to.equal(2 * page + tables(2));
    one.dropAfter(-1);
    expect(one.bytes).to.equal(0);
    expect(two.bytes).to.equal(2 * page + tables(2), 'the other store still holds both');
    two.dropAfter(5);
    expect(two.bytes).to.equal(2 * page + tables(2), 'gB is still held by the snapshot at 0');
    two.dropAfter(-1);
    expect(two.bytes).to.equal(0);
    // A group the first store counted and let go is counted on the group again by either.
    two.add(0, s(0, [gB]));
    one.add(0, s(0, [gB]));
    expect([one.bytes, two.bytes]).to.deep.equal([page + tables(1), page + tables(1)]);
  });

  it('finds the latest snapshot at or before an icount and drops discarded history', () => {
    const store = new SnapshotStore({ maxStopPins: 2 });
    for (const ic of [0, 100, 200, 300]) store.add(ic, fake(ic));
    store.add(250, fake(250), { name: 'cp' });
    expect(store.latestAtOrBefore(99)!.icount).to.equal(0);
    expect(store.latestAtOrBefore(100)!.icount).to.equal(100);
    expect(store.latestAtOrBefore(10_000)!.icount).to.equal(300);
    expect(store.dropAfter(200)).to.deep.equal(['cp']);
    expect(store.list().map((e) => e.icount)).to.deep.equal([0, 100, 200]);
    // Only the newest stop pins stay pinned.
    store.add(101, fake(101), { stop: true });
    store.add(102, fake(102), { stop: true });
    store.add(103, fake(103), { stop: true });
    expect(store.list().filter((e) => e.stopPin !== 0).map((e) => e.icount)).to.deep.equal([102, 103]);
  });
});

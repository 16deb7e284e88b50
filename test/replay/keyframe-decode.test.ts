/**
 * Decoding delta keyframes (keyframe-decode.ts) on the sample kernel (RAM writes, virtio-blk
 * writes, console input): each state decoded through the chain of deltas hashes the same as
 * the straight replay's at its icount, a delta builds new objects only for the RAM chunks and
 * disk groups whose contents changed (the others are the previous state's, by identity), its
 * new pages are views of one buffer (the inflated body), and decoding never writes into the
 * state it builds on.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { CHUNK_PAGES, type RamSnapshot } from '../../dist/bus/ram.js';
import type { DeviceState } from '../../dist/devices/device.js';
import type { VirtSnapshot } from '../../dist/machine/virt.js';
import { KeyframeDecoder } from '../../dist/replay/keyframe-decode.js';
import { keyframeHeader } from '../../dist/replay/keyframe.js';
import type { Recording } from '../../dist/replay/recording.js';
import { createSession, replaySessionOf, toRecording } from '../../dist/session/session.js';
import { withKeyframes, type KeyframeRule } from '../../dist/session/keyframes.js';
import { kernelConfig } from './sample-kernel.js';

/** A keyframe every 1M instructions (the sample kernel runs about 15M), whatever their size. */
const RULE: KeyframeRule = { maxCount: 64, share: 1, minBudget: 256 << 20, minSpacing: 1_000_000 };

function pageEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** A digest of every RAM page's bytes (to see that decoding the next keyframe left this state alone). */
function ramDigest(ram: RamSnapshot): string {
  const h = createHash('sha256');
  ram.chunks.forEach((c, k) => c?.u8.forEach((p, i) => { if (p) h.update(`${k * CHUNK_PAGES + i}:`).update(p); }));
  return h.digest('hex');
}

function diskGroups(s: VirtSnapshot): ({ u8: readonly (Uint8Array | null)[] } | null)[] {
  const d = Object.values(s.devices).map((v) => ((v.backend as DeviceState | null)?.disk as DeviceState | undefined)).find((x) => x !== undefined);
  return (d?.groups ?? []) as ({ u8: readonly (Uint8Array | null)[] } | null)[];
}

describe('replay/keyframe-decode', function () {
  this.timeout(300_000);
  let rec: Recording;
  /** State hashes of the straight replay (from icount 0, no keyframes) at each keyframe. */
  const straight = new Map<number, string>();

  before(async () => {
    const s = createSession({ config: kernelConfig(), clockMode: 'virtual' });
    let typed = 0;
    for (;;) {
      const stop = await s.timeline.runForward({ budget: 1_000_000 });
      if (s.timeline.icount > 4_000_000 * (typed + 1) && typed < 2) s.timeline.queueInput({ kind: 'console', bytes: Uint8Array.of(0x61 + typed++) });
      if (stop.reason !== 'budget') break;
    }
    rec = (await withKeyframes(s.timeline, toRecording(s), RULE)).recording;
    const r = replaySessionOf({ ...rec, keyframes: [] });
    for (const k of rec.keyframes ?? []) {
      await r.timeline.seek(k.icount);
      straight.set(k.icount, r.machine.stateHash());
    }
  });

  it('the recording has a full keyframe and deltas, with RAM and disk changes between them', () => {
    const kfs = rec.keyframes ?? [];
    expect(kfs.length).to.be.greaterThan(8);
    expect(kfs[0]!.kind).to.equal('full');
    expect(kfs.slice(1).every((k) => k.kind === 'delta')).to.equal(true);
  });

  it('every state decoded through the deltas equals the straight replay (state hash)', () => {
    const dec = new KeyframeDecoder({ ramPages: rec.config.memory / 4096, harts: rec.config.smp });
    const m = replaySessionOf({ ...rec, keyframes: [] }).machine;
    for (const k of rec.keyframes!) {
      const snap = dec.decode(k.payload);
      expect(snap.clock.icount).to.equal(k.icount);
      m.restore(snap);
      expect(m.stateHash(), `keyframe at icount ${k.icount}`).to.equal(straight.get(k.icount));
    }
  });

  it('a keyframe from a writer that did not pad its state (page data not aligned) decodes to the same states', () => {
    // The same keyframes with one more space after the state JSON: the page data is then 4-byte
    // misaligned in the body, and the decoder must copy it (once) rather than take it in place.
    const unpadded = rec.keyframes!.map((k) => {
      const body = inflateRawSync(Buffer.from(k.payload.buffer, k.payload.byteOffset + 24));
      const n = body.readUInt32LE(0);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(n + 1);
      const nb = Buffer.concat([len, body.subarray(4, 4 + n), Buffer.from(' '), body.subarray(4 + n)]);
      const h = Buffer.from(k.payload.subarray(0, 24));
      h.writeUInt32LE(nb.length, 20);
      return Buffer.concat([h, deflateRawSync(nb)]);
    });
    const dec = new KeyframeDecoder({ ramPages: rec.config.memory / 4096, harts: rec.config.smp });
    const m = replaySessionOf({ ...rec, keyframes: [] }).machine;
    let copied = 0;
    unpadded.forEach((p, i) => {
      const snap = dec.decode(p);
      for (const c of snap.ram.chunks) for (const pg of c?.u8 ?? []) if (pg !== null && pg.buffer.byteLength !== keyframeHeader(p).bodyBytes && pg.byteOffset % 4 === 0) copied++;
      m.restore(snap);
      expect(m.stateHash(), `keyframe at icount ${rec.keyframes![i]!.icount}`).to.equal(straight.get(rec.keyframes![i]!.icount));
    });
    expect(copied).to.be.greaterThan(0);
  });

  it('a delta shares every unchanged RAM chunk, page and disk group with the state before it, and leaves that state as it was', () => {
    const dec = new KeyframeDecoder({ ramPages: rec.config.memory / 4096, harts: rec.config.smp });
    let prev: VirtSnapshot | undefined;
    let newChunks = 0, sharedChunks = 0, sharedPages = 0, newPages = 0, diskChanged = 0;
    for (const k of rec.keyframes!) {
      const before = prev ? ramDigest(prev.ram) : '';
      const snap = dec.decode(k.payload);
      if (prev) {
        const fresh = new Set<ArrayBufferLike>();
        expect(ramDigest(prev.ram), `the state at ${prev.clock.icount} after decoding the one at ${k.icount}`).to.equal(before);
        expect(snap.ram.chunks.length).to.equal(prev.ram.chunks.length);
        snap.ram.chunks.forEach((c, i) => {
          const p = prev!.ram.chunks[i] ?? null;
          const pages = (x: typeof c) => Array.from({ length: CHUNK_PAGES }, (_, j) => x?.u8[j] ?? null);
          const same = pages(c).every((pg, j) => pageEqual(pg, pages(p)[j]!));
          if (same) {
            expect(c, `RAM chunk ${i} unchanged from ${prev!.clock.icount} to ${k.icount} is the same object`).to.equal(p);
            if (c !== null) sharedChunks++;
            sharedPages += pages(c).filter((pg) => pg !== null).length;
          } else {
            newChunks++;
            // Inside a changed chunk, the pages that did not change are still the previous buffers.
            pages(c).forEach((pg, j) => {
              if (!pageEqual(pg, pages(p)[j]!)) {
                newPages++;
                if (pg !== null) fresh.add(pg.buffer);
              }
              else {
                expect(pg, `page ${i * CHUNK_PAGES + j}`).to.equal(pages(p)[j]);
                if (pg !== null) sharedPages++;
              }
            });
          }
        });
        // The new pages are views of the keyframe's inflated body (the state before them is padded
        // so they are aligned), not copies made one by one nor a copy of the page data.
        expect(fresh.size, `buffers behind the new pages of the keyframe at ${k.icount}`).to.be.at.most(1);
        for (const b of fresh) expect(b.byteLength, `the buffer of the new pages at ${k.icount} is the body`).to.equal(keyframeHeader(k.payload).bodyBytes);
        const [dg, pg] = [diskGroups(snap), diskGroups(prev)];
        expect(dg.length).to.equal(pg.length);
        dg.forEach((g, i) => {
          const q = pg[i] ?? null;
          const n = Math.max(g?.u8.length ?? 0, q?.u8.length ?? 0);
          const same = Array.from({ length: n }, (_, j) => pageEqual(g?.u8[j] ?? null, q?.u8[j] ?? null)).every(Boolean);
          if (same) expect(g, `disk group ${i} unchanged from ${prev!.clock.icount} to ${k.icount}`).to.equal(q);
          else diskChanged++;
        });
      }
      prev = snap;
    }
    // The deltas did change some chunks and shared many more (else this checks nothing).
    expect(newChunks).to.be.greaterThan(0);
    expect(sharedChunks).to.be.greaterThan(0);
    expect(sharedPages).to.be.greaterThan(2 * newPages);
    expect(diskChanged, 'disk groups changed between keyframes').to.be.greaterThan(0);
  });
});

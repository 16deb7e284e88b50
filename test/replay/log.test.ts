import { expect } from 'chai';
import { EventLog } from '../../dist/replay/log.js';
import { decodeLog, encodeLog, LogFormatError } from '../../dist/replay/log-format.js';
import type { LogEntry } from '../../dist/replay/log.js';

function sampleEntries(n: number): LogEntry[] {
  const out: LogEntry[] = [];
  let ic = 0;
  for (let i = 0; i < n; i++) {
    ic += i % 3 === 0 ? 0 : (i * 7919) % 1000;
    switch (i % 5) {
      case 0: out.push({ icount: ic, event: { kind: 'console', bytes: new TextEncoder().encode(`key ${i}\r`) } }); break;
      case 1: out.push({ icount: ic, event: { kind: 'warp', ns: 1_000_000 * i + 17 } }); break;
      case 2: out.push({ icount: ic, event: { kind: 'mem', paddr: 0x8000_0000 + i * 8, bytes: Uint8Array.of(i & 255, 0xde, 0xad) } }); break;
      case 3: out.push({ icount: ic, event: { kind: 'reg', hart: i % 4, regno: 32, value: 0xffff_ffc0_0020_0000n + BigInt(i) } }); break;
      default: out.push({ icount: ic, event: { kind: 'reset' } });
    }
  }
  return out;
}

describe('replay/log: EventLog', () => {
  it('keeps icount order and the order of inputs at the same icount', () => {
    const log = new EventLog();
    log.append(5, { kind: 'console', bytes: Uint8Array.of(1) });
    log.append(5, { kind: 'console', bytes: Uint8Array.of(2) });
    log.append(9, { kind: 'warp', ns: 100 });
    expect(log.at(5).map((e) => (e.event as { bytes: Uint8Array }).bytes[0])).to.deep.equal([1, 2]);
    expect(log.nextIcountAfter(0)).to.equal(5);
    expect(log.nextIcountAfter(5)).to.equal(9);
    expect(log.nextIcountAfter(9)).to.equal(Infinity);
    expect([...log.from(6)].map((e) => e.icount)).to.deep.equal([9]);
    expect(() => log.append(4, { kind: 'reset' })).to.throw(/truncate first/);
  });

  it('truncates after an icount, keeping entries at it', () => {
    const log = new EventLog();
    log.append(1, { kind: 'warp', ns: 10 });
    log.append(3, { kind: 'warp', ns: 20 });
    log.append(3, { kind: 'console', bytes: Uint8Array.of(65) });
    log.append(7, { kind: 'warp', ns: 40 });
    log.truncateAfter(3);
    expect(log.length).to.equal(3);
    expect(log.at(3).map((e) => e.event.kind)).to.deep.equal(['warp', 'console']);
    expect(log.nextIcountAfter(3)).to.equal(Infinity);
    log.append(4, { kind: 'warp', ns: 1 });
    expect(log.toArray().map((e) => e.icount)).to.deep.equal([1, 3, 3, 4]);
  });
});

describe('replay/log-format', () => {
  it('round-trips every event kind over several blocks', () => {
    const entries = sampleEntries(2500);
    const back = decodeLog(encodeLog(entries));
    expect(back).to.have.length(2500);
    expect(back).to.deep.equal(entries);
  });

  it('round-trips an empty log', () => {
    expect(decodeLog(encodeLog([]))).to.deep.equal([]);
  });

  it('stores register values as unsigned 64-bit', () => {
    const [e] = decodeLog(encodeLog([{ icount: 3, event: { kind: 'reg', hart: 0, regno: 5, value: -1n } }]));
    expect(e.event).to.deep.equal({ kind: 'reg', hart: 0, regno: 5, value: 0xffff_ffff_ffff_ffffn });
  });

  it('detects a flipped bit in any block and names the block', () => {
    const bytes = encodeLog(sampleEntries(2500));
    // Flip one bit in the payload of the first block and, separately, near the end.
    for (const [pos, block] of [[40, 0], [bytes.length - 5, 2]] as const) {
      const bad = bytes.slice();
      bad[pos] ^= 0x10;
      expect(() => decodeLog(bad)).to.throw(LogFormatError, new RegExp(`checksum mismatch in block ${block} of 3`));
    }
  });

  it('reports truncation, wrong version and bad magic clearly', () => {
    const bytes = encodeLog(sampleEntries(50));
    for (const n of [3, 16, 20, bytes.length - 1]) {
      expect(() => decodeLog(bytes.subarray(0, n))).to.throw(LogFormatError, /truncated/);
    }
    const v = bytes.slice();
    v[8] = 7;
    expect(() => decodeLog(v)).to.throw(LogFormatError, /version 7 is not supported.*reads version 1/);
    const m = bytes.slice();
    m[0] = 0x58;
    expect(() => decodeLog(m)).to.throw(LogFormatError, /not an rvrr event log/);
    const extra = new Uint8Array(bytes.length + 2);
    extra.set(bytes);
    expect(() => decodeLog(extra)).to.throw(LogFormatError, /trailing bytes/);
  });
});

import { expect } from 'chai';
import {
  PacketFramer,
  checksum,
  decodeRle,
  encodeRle,
  escapeBinary,
  framePacket,
  unescapeBinary,
  type FrameEvent,
} from '../../dist/gdb/packet.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const packets = (evs: FrameEvent[]): string[] =>
  evs.flatMap((e) => (e.kind === 'packet' ? [e.payload.toString('latin1')] : []));

describe('gdb packet framing', () => {
  it('computes the modulo-256 checksum', () => {
    expect(checksum(b('OK'))).to.equal(0x9a);
    expect(checksum(b(''))).to.equal(0);
    expect(checksum(b('qSupported'))).to.equal(0x37);
  });

  it('frames a payload as $data#cs', () => {
    expect(framePacket('OK').toString('latin1')).to.equal('$OK#9a');
    expect(framePacket('').toString('latin1')).to.equal('$#00');
  });

  it('escapes $ # } * as } followed by byte ^ 0x20, and back', () => {
    const raw = Buffer.from([0x24, 0x23, 0x7d, 0x2a, 0x41, 0x00, 0xff]);
    const esc = escapeBinary(raw);
    expect([...esc]).to.deep.equal([0x7d, 0x04, 0x7d, 0x03, 0x7d, 0x5d, 0x7d, 0x0a, 0x41, 0x00, 0xff]);
    expect([...unescapeBinary(esc)]).to.deep.equal([...raw]);
    expect(() => unescapeBinary(Buffer.from([0x41, 0x7d]))).to.throw(/escape/);
  });

  it('round-trips every byte value through escaping', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(unescapeBinary(escapeBinary(all)).equals(all)).to.equal(true);
  });

  it('decodes run-length encoding (count = n - 29)', () => {
    // "0* " = '0' + 3 more (' ' is 32): 4 zeros
    expect(decodeRle(b('0* ')).toString()).to.equal('0000');
    expect(decodeRle(b('a*"b')).toString()).to.equal('aaaaaab'); // '"' = 34: 5 more
    expect(decodeRle(b('x*"')).toString()).to.equal('xxxxxx');
    expect(() => decodeRle(b('*a'))).to.throw(/run-length/);
  });

  it('run-length encodes so that decoding restores the data and counts avoid $ # + -', () => {
    for (const len of [1, 3, 4, 7, 8, 10, 16, 17, 40, 99, 100, 300]) {
      const data = Buffer.from('ab' + '0'.repeat(len) + 'cd');
      const enc = encodeRle(data);
      expect(decodeRle(enc).equals(data), `len ${len}`).to.equal(true);
      for (let i = 0; i < enc.length; i++)
        if (enc[i] === 0x2a) expect([0x23, 0x24, 0x2b, 0x2d]).not.to.include(enc[i + 1]);
    }
  });

  it('parses packets, acks, nacks and the interrupt byte from a stream, ignoring garbage', () => {
    const f = new PacketFramer();
    const evs = f.push(b('+junk\r\n$g#67-\x03$m0,4#fd'));
    expect(evs.map((e) => e.kind)).to.deep.equal(['ack', 'packet', 'nack', 'interrupt', 'packet']);
    expect(packets(evs)).to.deep.equal(['g', 'm0,4']);
  });

  it('reassembles packets split at any byte', () => {
    // Checksums are computed over the escaped body.
    const body2 = b('X80000000,2:}]}\x03');
    const full = Buffer.concat([b('$qSupported:swbreak+#'), b(checksum(b('qSupported:swbreak+')).toString(16).padStart(2, '0')), b('$'), body2, b('#' + checksum(body2).toString(16).padStart(2, '0'))]);
    for (let cut = 1; cut < full.length; cut++) {
      const f = new PacketFramer();
      const evs = [...f.push(full.subarray(0, cut)), ...f.push(full.subarray(cut))];
      const ps = evs.filter((e) => e.kind === 'packet') as { payload: Buffer }[];
      expect(ps.length, `cut at ${cut}`).to.equal(2);
      expect(ps[0].payload.toString()).to.equal('qSupported:swbreak+');
      expect([...ps[1].payload.subarray(12)]).to.deep.equal([0x7d, 0x23]);
    }
  });

  it('reports a bad checksum, and ignores checksums in no-ack mode', () => {
    const f = new PacketFramer();
    expect(f.push(b('$g#00')).map((e) => e.kind)).to.deep.equal(['badChecksum']);
    expect(f.push(b('$g#zz')).map((e) => e.kind)).to.deep.equal(['badChecksum']);
    f.verifyChecksums = false;
    expect(packets(f.push(b('$g#00')))).to.deep.equal(['g']);
  });

  it('drops an oversized packet, reports it, and keeps parsing after it', () => {
    const f = new PacketFramer(16);
    const big = 'M0,20:' + '00'.repeat(32);
    const evs = f.push(Buffer.concat([framePacket(big), framePacket('g')]));
    expect(evs[0]).to.deep.equal({ kind: 'oversized', size: big.length });
    expect(packets(evs)).to.deep.equal(['g']);
  });

  it('restarts on a $ inside a truncated packet', () => {
    const f = new PacketFramer();
    expect(packets(f.push(b('$m0,4$g#67')))).to.deep.equal(['g']);
  });

  it('RLE-decodes incoming packet bodies before unescaping', () => {
    const f = new PacketFramer();
    const body = b('m0* ');
    const evs = f.push(Buffer.concat([b('$'), body, b('#' + checksum(body).toString(16).padStart(2, '0'))]));
    expect(packets(evs)).to.deep.equal(['m0000']);
  });
});

/**
 * The UDP host backend on loopback: frames both ways, and what it refuses (datagrams from
 * elsewhere, too short or too long, a full input backlog), each problem reported once.
 */
import { expect } from 'chai';
import * as dgram from 'node:dgram';
import { UdpNetBackend } from '../../dist/host/net-udp.js';

function socket(): Promise<dgram.Socket> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

const sendFrom = (s: dgram.Socket, port: number, b: Uint8Array) => new Promise<void>((r) => s.send(b, port, '127.0.0.1', () => r()));
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('UDP network backend', () => {
  let remote: dgram.Socket;
  let stranger: dgram.Socket;
  let be: UdpNetBackend;
  const got: Uint8Array[] = [];
  const info: string[] = [];
  let accept = true;

  beforeEach(async () => {
    got.length = 0;
    info.length = 0;
    accept = true;
    remote = await socket();
    stranger = await socket();
    be = new UdpNetBackend({ kind: 'udp', localPort: 0, remoteHost: '127.0.0.1', remotePort: remote.address().port }, {
      onFrame: (f) => {
        if (!accept) return false;
        got.push(f);
        return true;
      },
      info: (m) => info.push(m),
    });
    await be.open();
  });
  afterEach(async () => {
    await be.close();
    remote.close();
    stranger.close();
  });

  it('carries one frame per datagram both ways', async () => {
    const frame = Uint8Array.from({ length: 60 }, (_, i) => i);
    const heard = new Promise<Buffer>((r) => remote.once('message', (m) => r(m)));
    be.send(frame);
    expect(Array.from(await heard)).to.deep.equal(Array.from(frame));
    await sendFrom(remote, be.boundPort!, frame);
    await settle();
    expect(got.map((f) => Array.from(f))).to.deep.equal([Array.from(frame)]);
    expect(be.counters).to.include({ rxFrames: 1, txFrames: 1 });
    expect(info[0]).to.match(/network: UDP port \d+ <-> 127\.0\.0\.1:\d+/);
  });

  it('drops and counts datagrams from elsewhere, too short, too long, or beyond the backlog; says so once each', async () => {
    for (let i = 0; i < 3; i++) await sendFrom(stranger, be.boundPort!, new Uint8Array(60));
    for (let i = 0; i < 3; i++) await sendFrom(remote, be.boundPort!, new Uint8Array(13));
    for (let i = 0; i < 3; i++) await sendFrom(remote, be.boundPort!, new Uint8Array(1519));
    await settle();
    accept = false;
    for (let i = 0; i < 3; i++) await sendFrom(remote, be.boundPort!, new Uint8Array(60));
    await settle();
    expect(got).to.have.length(0);
    expect(be.counters).to.include({ rxFrames: 0, rxDroppedForeign: 3, rxDroppedSize: 6, rxDroppedBacklog: 3 });
    const reports = info.slice(1);
    expect(reports).to.have.length(3);
    expect(reports.every((m) => m.endsWith('(reported once)'))).to.equal(true);
  });

  it('a local port in use is a one-line error', async () => {
    const other = new UdpNetBackend({ kind: 'udp', localPort: be.boundPort!, remoteHost: '127.0.0.1', remotePort: remote.address().port }, { onFrame: () => true, info: () => {} });
    let err: Error | undefined;
    await other.open().catch((e: Error) => (err = e));
    expect(err?.message).to.match(/local port \d+ is in use/);
  });
});

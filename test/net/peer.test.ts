/**
 * The built-in peer's packet handling: ARP, ICMP echo and DHCP answered with well-formed
 * replies; truncated, inconsistent or mis-checksummed frames refused and counted, never
 * thrown; and the `--net` option parsing and the 'net' log event round trip.
 */
import { expect } from 'chai';
import {
  BROADCAST_MAC, buildArp, buildEth, buildIp4, buildUdp, checksum, ip4, parseArp, parseEth, parseIp4, parseMac, parseUdp,
} from '../../dist/net/frames.js';
import { GUEST_IP, PEER_IP, PEER_MAC, UserNetPeer, parseOptions } from '../../dist/net/peer.js';
import { netSpecText, parseNetSpec } from '../../dist/host/net-udp.js';
import { decodeLog, encodeLog } from '../../dist/replay/log-format.js';
import { seededRandom } from '../../dist/replay/determinism.js';

const GUEST_MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);

function arpRequest(target: number): Uint8Array {
  return buildEth(BROADCAST_MAC, GUEST_MAC, 0x0806, buildArp({ op: 1, senderMac: GUEST_MAC, senderIp: GUEST_IP, targetMac: new Uint8Array(6), targetIp: target }));
}

function echoRequest(payload: Uint8Array, seq = 1): Uint8Array {
  const icmp = new Uint8Array(8 + payload.length);
  icmp[0] = 8;
  new DataView(icmp.buffer).setUint16(6, seq);
  icmp.set(payload, 8);
  new DataView(icmp.buffer).setUint16(2, checksum(icmp));
  return buildEth(PEER_MAC, GUEST_MAC, 0x0800, buildIp4(GUEST_IP, PEER_IP, 1, icmp));
}

/** A DHCP message from the guest (BOOTREQUEST) with the given options (53 first). */
function dhcp(options: number[], opts: { magic?: number; ciaddr?: number } = {}): Uint8Array {
  const b = new Uint8Array(236 + 4 + options.length);
  const d = new DataView(b.buffer);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  d.setUint32(4, 0xdeadbeef); // xid
  d.setUint32(12, opts.ciaddr ?? 0);
  b.set(GUEST_MAC, 28);
  d.setUint32(236, opts.magic ?? 0x63825363);
  b.set(options, 240);
  const udp = buildUdp(0, 0xffffffff, 68, 67, b);
  return buildEth(BROADCAST_MAC, GUEST_MAC, 0x0800, buildIp4(0, 0xffffffff, 17, udp));
}

/** The BOOTP part of a DHCP reply frame, checked layer by layer. */
function dhcpReply(f: Uint8Array): { bootp: Uint8Array; type: number; opts: Map<number, Uint8Array> } {
  const eth = parseEth(f)!;
  expect(Array.from(eth.src)).to.deep.equal(Array.from(PEER_MAC));
  const ip = parseIp4(eth.payload)!;
  expect(ip, 'IPv4 header checksum').to.not.equal(null);
  const udp = parseUdp(ip)!;
  expect(udp, 'UDP checksum').to.not.equal(null);
  expect([udp.srcPort, udp.dstPort]).to.deep.equal([67, 68]);
  const opts = parseOptions(udp.payload.subarray(240))!;
  return { bootp: udp.payload, type: opts.get(53)![0], opts };
}

const be32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0);

describe('built-in network peer', () => {
  it('answers an ARP request for 10.0.2.2 and ignores one for another address', () => {
    const p = new UserNetPeer();
    const [r] = p.input(arpRequest(PEER_IP));
    const eth = parseEth(r)!;
    expect(Array.from(eth.dst)).to.deep.equal(Array.from(GUEST_MAC));
    const a = parseArp(eth.payload)!;
    expect(a.op).to.equal(2);
    expect(Array.from(a.senderMac)).to.deep.equal(Array.from(PEER_MAC));
    expect(a.senderIp).to.equal(PEER_IP);
    expect(a.targetIp).to.equal(GUEST_IP);
    expect(p.input(arpRequest(ip4('10.0.2.3')))).to.deep.equal([]);
    expect(p.counters).to.deep.equal({ answered: 1, ignored: 1, malformed: 0 });
  });

  it('answers an echo request with the same identifier, sequence and data, checksums valid', () => {
    const p = new UserNetPeer();
    const data = new TextEncoder().encode('abcdefghijklmnopqrstuvw'); // odd length
    const [r] = p.input(echoRequest(data, 7));
    const ip = parseIp4(parseEth(r)!.payload)!;
    expect([ip.src, ip.dst, ip.protocol]).to.deep.equal([PEER_IP, GUEST_IP, 1]);
    expect(ip.payload[0], 'echo reply').to.equal(0);
    expect(checksum(ip.payload), 'ICMP checksum').to.equal(0);
    expect(new DataView(ip.payload.buffer, ip.payload.byteOffset).getUint16(6)).to.equal(7);
    expect(Buffer.from(ip.payload.subarray(8)).toString()).to.equal('abcdefghijklmnopqrstuvw');
  });

  it('gives 10.0.2.15 by DHCP: OFFER for DISCOVER, ACK for REQUEST, NAK for another address', () => {
    const p = new UserNetPeer();
    const offer = dhcpReply(p.input(dhcp([53, 1, 1, 255]))[0]);
    expect(offer.type).to.equal(2);
    expect(offer.bootp[0], 'BOOTREPLY').to.equal(2);
    expect(be32(offer.bootp.subarray(4)), 'xid').to.equal(0xdeadbeef);
    expect(be32(offer.bootp.subarray(16)), 'yiaddr').to.equal(GUEST_IP);
    expect(Array.from(offer.bootp.subarray(28, 34)), 'chaddr').to.deep.equal(Array.from(GUEST_MAC));
    expect(be32(offer.opts.get(54)!), 'server id').to.equal(PEER_IP);
    expect(be32(offer.opts.get(1)!), 'netmask').to.equal(ip4('255.255.255.0'));
    expect(be32(offer.opts.get(3)!), 'router').to.equal(PEER_IP);
    expect(be32(offer.opts.get(51)!), 'lease').to.equal(86400);
    const ack = dhcpReply(p.input(dhcp([53, 1, 3, 50, 4, 10, 0, 2, 15, 54, 4, 10, 0, 2, 2, 255]))[0]);
    expect(ack.type).to.equal(5);
    const renew = dhcpReply(p.input(dhcp([53, 1, 3, 255], { ciaddr: GUEST_IP }))[0]);
    expect(renew.type, 'renewal by ciaddr').to.equal(5);
    const nak = dhcpReply(p.input(dhcp([53, 1, 3, 50, 4, 10, 0, 2, 99, 255]))[0]);
    expect(nak.type).to.equal(6);
    expect(be32(nak.bootp.subarray(16)), 'no address in a NAK').to.equal(0);
    expect(p.input(dhcp([53, 1, 3, 54, 4, 10, 0, 2, 9, 255])), 'a REQUEST for another server').to.deep.equal([]);
  });

  it('refuses bad frames and counts them: truncated, bad checksums, fragments, overrunning options', () => {
    const p = new UserNetPeer();
    const bad: [string, Uint8Array][] = [];
    bad.push(['shorter than an Ethernet header', new Uint8Array(13)]);
    bad.push(['truncated ARP', arpRequest(PEER_IP).subarray(0, 14 + 20)]);
    const echo = echoRequest(new Uint8Array(16));
    const ipSum = Uint8Array.from(echo);
    ipSum[14 + 10] ^= 1;
    bad.push(['IPv4 header checksum', ipSum]);
    const icmpSum = Uint8Array.from(echo);
    icmpSum[14 + 20 + 9] ^= 0x80;
    bad.push(['ICMP checksum', icmpSum]);
    const longer = Uint8Array.from(echo);
    new DataView(longer.buffer).setUint16(14 + 2, 2000); // total length beyond the frame
    bad.push(['IPv4 total length', longer]);
    const frag = buildEth(PEER_MAC, GUEST_MAC, 0x0800, (() => {
      const ip = buildIp4(GUEST_IP, PEER_IP, 1, new Uint8Array(16));
      ip[6] = 0x20; // more fragments
      ip[10] = ip[11] = 0;
      new DataView(ip.buffer).setUint16(10, checksum(ip.subarray(0, 20)));
      return ip;
    })());
    bad.push(['a fragment', frag]);
    const udpSum = dhcp([53, 1, 1, 255]);
    udpSum[udpSum.length - 1] ^= 0xff;
    bad.push(['UDP checksum', udpSum]);
    bad.push(['DHCP without the magic cookie', dhcp([53, 1, 1, 255], { magic: 0 })]);
    bad.push(['DHCP option running past the packet', dhcp([53, 1, 1, 12, 40, 65])]);
    bad.push(['DHCP without an END option', dhcp([53, 1, 1])]);
    for (const [what, f] of bad) expect(p.input(f), what).to.deep.equal([]);
    expect(p.counters).to.deep.equal({ answered: 0, ignored: 0, malformed: bad.length });
  });

  it('ignores frames for another MAC address and kinds it does not handle', () => {
    const p = new UserNetPeer();
    const other = echoRequest(new Uint8Array(4));
    other[0] = 0x02;
    expect(p.input(other)).to.deep.equal([]);
    expect(p.input(buildEth(PEER_MAC, GUEST_MAC, 0x86dd, new Uint8Array(40))), 'IPv6').to.deep.equal([]);
    expect(p.input(buildEth(PEER_MAC, GUEST_MAC, 0x0800, buildIp4(GUEST_IP, PEER_IP, 6, new Uint8Array(20)))), 'TCP').to.deep.equal([]);
    expect(p.counters).to.deep.equal({ answered: 0, ignored: 3, malformed: 0 });
  });

  it('never throws on random frames, and answers the same frames the same way', () => {
    const rand = seededRandom(16);
    const frames: Uint8Array[] = [];
    const seeds = [arpRequest(PEER_IP), echoRequest(new Uint8Array(20)), dhcp([53, 1, 1, 255])];
    for (let i = 0; i < 3000; i++) {
      const f = Uint8Array.from(seeds[i % 3].subarray(0, Math.floor(rand() * (seeds[i % 3].length + 1))));
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) if (f.length) f[Math.floor(rand() * f.length)] = Math.floor(rand() * 256);
      frames.push(f);
    }
    const a = new UserNetPeer();
    const b = new UserNetPeer();
    const ra = frames.map((f) => a.input(f));
    const rb = frames.map((f) => b.input(f));
    expect(ra.map((x) => x.map((y) => Buffer.from(y).toString('hex')))).to.deep.equal(rb.map((x) => x.map((y) => Buffer.from(y).toString('hex'))));
    const c = a.counters;
    expect(c.answered + c.ignored + c.malformed).to.equal(frames.length);
  });
});

describe('--net option and the net log event', () => {
  it('parses none, user and udp:LOCALPORT:REMOTEHOST:REMOTEPORT, and rejects the rest', () => {
    expect(parseNetSpec('none')).to.deep.equal({ kind: 'none' });
    expect(parseNetSpec('user')).to.deep.equal({ kind: 'user' });
    const u = parseNetSpec('udp:5555:127.0.0.1:5556');
    expect(u).to.deep.equal({ kind: 'udp', localPort: 5555, remoteHost: '127.0.0.1', remotePort: 5556 });
    expect(netSpecText(u)).to.equal('udp:5555:127.0.0.1:5556');
    expect(() => parseNetSpec('udp:5555:localhost')).to.throw(/expected none, user or udp/);
    expect(() => parseNetSpec('udp:5555:localhost:0')).to.throw(/ports must be/);
    expect(() => parseMac('52:54:00:12:34')).to.throw(/bad MAC address/);
    expect(Array.from(parseMac('52:54:00:AB:cd:01'))).to.deep.equal([0x52, 0x54, 0, 0xab, 0xcd, 1]);
  });

  it("round-trips 'net' events through the log format", () => {
    const frame = Uint8Array.from({ length: 1514 }, (_, i) => i & 0xff);
    const log = decodeLog(encodeLog([{ icount: 5, event: { kind: 'net', frame } }, { icount: 9, event: { kind: 'console', bytes: Uint8Array.of(65) } }]));
    expect(log[0].icount).to.equal(5);
    expect(log[0].event.kind).to.equal('net');
    expect(Array.from((log[0].event as { frame: Uint8Array }).frame)).to.deep.equal(Array.from(frame));
    expect(log[1].event.kind).to.equal('console');
  });
});

/**
 * Ethernet, ARP, IPv4, ICMP and UDP framing for the built-in network peer: parsing that
 * rejects anything inconsistent (lengths, versions, checksums) and building replies. Only
 * what the peer needs; every parser returns null for a frame it cannot trust.
 */

export const ETH_HEADER = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const IPPROTO_ICMP = 1;
export const IPPROTO_UDP = 17;
export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** An IPv4 address as a 32-bit unsigned number (10.0.2.2 = 0x0a000202). */
export type Ip4 = number;

export function ip4(text: string): Ip4 {
  const p = text.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`bad IPv4 address '${text}'`);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

export function ip4Text(a: Ip4): string {
  return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
}

/** Parse `52:54:00:12:34:56`; throws a one-line message on a bad address. */
export function parseMac(text: string): Uint8Array {
  const m = /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(text);
  if (!m) throw new Error(`bad MAC address '${text}' (expected six hex bytes like 52:54:00:12:34:56)`);
  const mac = Uint8Array.from(m.slice(1).map((h) => parseInt(h, 16)));
  if (mac[0] & 1) throw new Error(`MAC address '${text}' is a multicast address (lowest bit of the first byte set)`);
  return mac;
}

export function macText(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The Internet checksum (RFC 1071) of `b`, folded, not complemented, starting from `sum`. */
export function onesSum(b: Uint8Array, sum = 0): number {
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (b.length & 1) sum += b[b.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

export function checksum(b: Uint8Array, sum = 0): number {
  return ~onesSum(b, sum) & 0xffff;
}

export interface EthFrame {
  dst: Uint8Array;
  src: Uint8Array;
  type: number;
  payload: Uint8Array;
}

export function parseEth(f: Uint8Array): EthFrame | null {
  if (f.length < ETH_HEADER) return null;
  return { dst: f.subarray(0, 6), src: f.subarray(6, 12), type: view(f).getUint16(12), payload: f.subarray(ETH_HEADER) };
}

export function buildEth(dst: Uint8Array, src: Uint8Array, type: number, payload: Uint8Array): Uint8Array {
  // Short frames are padded to the Ethernet minimum (60 bytes without FCS), as a NIC would.
  const f = new Uint8Array(Math.max(60, ETH_HEADER + payload.length));
  f.set(dst, 0);
  f.set(src, 6);
  view(f).setUint16(12, type);
  f.set(payload, ETH_HEADER);
  return f;
}

export interface ArpPacket {
  op: number;
  senderMac: Uint8Array;
  senderIp: Ip4;
  targetMac: Uint8Array;
  targetIp: Ip4;
}

/** ARP for IPv4 over Ethernet only (htype 1, ptype 0x0800, hlen 6, plen 4). */
export function parseArp(p: Uint8Array): ArpPacket | null {
  if (p.length < 28) return null;
  const d = view(p);
  if (d.getUint16(0) !== 1 || d.getUint16(2) !== ETHERTYPE_IPV4 || p[4] !== 6 || p[5] !== 4) return null;
  return { op: d.getUint16(6), senderMac: p.subarray(8, 14), senderIp: d.getUint32(14), targetMac: p.subarray(18, 24), targetIp: d.getUint32(24) };
}

export function buildArp(a: ArpPacket): Uint8Array {
  const p = new Uint8Array(28);
  const d = view(p);
  d.setUint16(0, 1);
  d.setUint16(2, ETHERTYPE_IPV4);
  p[4] = 6;
  p[5] = 4;
  d.setUint16(6, a.op);
  p.set(a.senderMac, 8);
  d.setUint32(14, a.senderIp);
  p.set(a.targetMac, 18);
  d.setUint32(24, a.targetIp);
  return p;
}

export interface Ip4Packet {
  src: Ip4;
  dst: Ip4;
  protocol: number;
  ttl: number;
  payload: Uint8Array;
}

/**
 * IPv4 with a valid header checksum and consistent lengths; fragments are refused (the
 * peer never reassembles). Ethernet padding after the datagram is cut off.
 */
export function parseIp4(p: Uint8Array): Ip4Packet | null {
  if (p.length < 20) return null;
  const ihl = (p[0] & 15) * 4;
  if (p[0] >> 4 !== 4 || ihl < 20 || p.length < ihl) return null;
  const d = view(p);
  const total = d.getUint16(2);
  if (total < ihl || total > p.length) return null;
  if (checksum(p.subarray(0, ihl)) !== 0) return null;
  const frag = d.getUint16(6);
  if ((frag & 0x3fff) !== 0) return null; // MF set or a non-zero offset
  return { src: d.getUint32(12), dst: d.getUint32(16), protocol: p[9], ttl: p[8], payload: p.subarray(ihl, total) };
}

export function buildIp4(src: Ip4, dst: Ip4, protocol: number, payload: Uint8Array, id = 0): Uint8Array {
  const p = new Uint8Array(20 + payload.length);
  const d = view(p);
  p[0] = 0x45;
  d.setUint16(2, p.length);
  d.setUint16(4, id & 0xffff);
  p[8] = 64;
  p[9] = protocol;
  d.setUint32(12, src);
  d.setUint32(16, dst);
  d.setUint16(10, checksum(p.subarray(0, 20)));
  p.set(payload, 20);
  return p;
}

/** The UDP pseudo-header sum (RFC 768). */
function udpPseudo(src: Ip4, dst: Ip4, len: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + IPPROTO_UDP + len;
}

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/** UDP with a consistent length; a non-zero checksum must verify. */
export function parseUdp(ip: Ip4Packet): UdpDatagram | null {
  const p = ip.payload;
  if (p.length < 8) return null;
  const d = view(p);
  const len = d.getUint16(4);
  if (len < 8 || len > p.length) return null;
  if (d.getUint16(6) !== 0 && checksum(p.subarray(0, len), udpPseudo(ip.src, ip.dst, len)) !== 0) return null;
  return { srcPort: d.getUint16(0), dstPort: d.getUint16(2), payload: p.subarray(8, len) };
}

export function buildUdp(src: Ip4, dst: Ip4, srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(8 + payload.length);
  const d = view(p);
  d.setUint16(0, srcPort);
  d.setUint16(2, dstPort);
  d.setUint16(4, p.length);
  p.set(payload, 8);
  d.setUint16(6, checksum(p, udpPseudo(src, dst, p.length)) || 0xffff);
  return p;
}

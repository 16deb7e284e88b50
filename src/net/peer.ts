/**
 * The built-in network peer (`--net user`): the other end of the guest's Ethernet link,
 * inside the machine. It answers ARP for its own address, ICMP echo requests to it, and
 * DHCP DISCOVER/REQUEST with one fixed lease, on the network QEMU's user mode uses
 * (10.0.2.0/24, peer and router 10.0.2.2, guest 10.0.2.15).
 *
 * It is a pure function of the frames the guest sends (no time, no host network), so its
 * replies are recomputed on replay rather than logged. It is not a router, has no TCP, DNS,
 * TFTP or NAT, and never starts a conversation.
 */
import type { DeviceState } from '../devices/device.js';
import {
  BROADCAST_MAC, ETHERTYPE_ARP, ETHERTYPE_IPV4, IPPROTO_ICMP, IPPROTO_UDP, buildArp, buildEth, buildIp4, buildUdp,
  checksum, ip4, parseArp, parseEth, parseIp4, parseUdp, type Ip4,
} from './frames.js';

export const PEER_MAC = Uint8Array.of(0x52, 0x55, 0x0a, 0x00, 0x02, 0x02);
export const PEER_IP = ip4('10.0.2.2');
export const GUEST_IP = ip4('10.0.2.15');
export const NETMASK = ip4('255.255.255.0');
export const LEASE_SECONDS = 86400;

const BOOTP_SERVER_PORT = 67;
const BOOTP_CLIENT_PORT = 68;
const DHCP_MAGIC = 0x63825363;
const BOOTP_FIXED = 236;
const DHCPDISCOVER = 1;
const DHCPOFFER = 2;
const DHCPREQUEST = 3;
const DHCPACK = 5;
const DHCPNAK = 6;
const ICMP_ECHO_REPLY = 0;
const ICMP_ECHO_REQUEST = 8;

/** What the peer did with the frames it was given (machine state: deterministic). */
export interface PeerCounters {
  /** Frames answered. */
  answered: number;
  /** Well-formed frames not meant for the peer or of a kind it does not handle. */
  ignored: number;
  /** Frames that failed a length, version or checksum check. */
  malformed: number;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export class UserNetPeer {
  counters: PeerCounters = { answered: 0, ignored: 0, malformed: 0 };
  /** IPv4 identification of the next datagram the peer sends. */
  private ipId = 0;

  /** Replies to one frame the guest sent (usually zero or one). */
  input(frame: Uint8Array): Uint8Array[] {
    const r = this.answer(frame);
    if (r === 'malformed') this.counters.malformed++;
    else if (r === null) this.counters.ignored++;
    else this.counters.answered++;
    return r === 'malformed' || r === null ? [] : [r];
  }

  private answer(frame: Uint8Array): Uint8Array | null | 'malformed' {
    const eth = parseEth(frame);
    if (!eth) return 'malformed';
    const forUs = eth.dst.every((b, i) => b === PEER_MAC[i]) || eth.dst.every((b) => b === 0xff);
    if (!forUs) return null;
    if (eth.type === ETHERTYPE_ARP) {
      const a = parseArp(eth.payload);
      if (!a) return 'malformed';
      if (a.op !== 1 || a.targetIp !== PEER_IP) return null;
      const reply = buildArp({ op: 2, senderMac: PEER_MAC, senderIp: PEER_IP, targetMac: a.senderMac, targetIp: a.senderIp });
      return buildEth(a.senderMac, PEER_MAC, ETHERTYPE_ARP, reply);
    }
    if (eth.type !== ETHERTYPE_IPV4) return null;
    const ip = parseIp4(eth.payload);
    if (!ip) return 'malformed';
    if (ip.protocol === IPPROTO_ICMP && ip.dst === PEER_IP) return this.icmp(eth.src, ip.src, ip.payload);
    if (ip.protocol === IPPROTO_UDP) {
      const udp = parseUdp(ip);
      if (!udp) return 'malformed';
      if (udp.dstPort !== BOOTP_SERVER_PORT) return null;
      return this.dhcp(udp.payload);
    }
    return null;
  }

  private icmp(mac: Uint8Array, src: Ip4, p: Uint8Array): Uint8Array | null | 'malformed' {
    if (p.length < 8 || checksum(p) !== 0) return 'malformed';
    if (p[0] !== ICMP_ECHO_REQUEST || p[1] !== 0) return null;
    const reply = Uint8Array.from(p);
    reply[0] = ICMP_ECHO_REPLY;
    reply[2] = reply[3] = 0;
    view(reply).setUint16(2, checksum(reply));
    return buildEth(mac, PEER_MAC, ETHERTYPE_IPV4, buildIp4(PEER_IP, src, IPPROTO_ICMP, reply, this.ipId++));
  }

  /** DHCP (RFC 2131): OFFER for a DISCOVER, ACK (or NAK for another address) for a REQUEST. */
  private dhcp(p: Uint8Array): Uint8Array | null | 'malformed' {
    if (p.length < BOOTP_FIXED + 4) return 'malformed';
    const d = view(p);
    if (p[0] !== 1 || p[1] !== 1 || p[2] !== 6 || d.getUint32(BOOTP_FIXED) !== DHCP_MAGIC) return 'malformed';
    const opts = parseOptions(p.subarray(BOOTP_FIXED + 4));
    if (!opts) return 'malformed';
    const type = opts.get(53)?.[0];
    let reply: number;
    if (type === DHCPDISCOVER) reply = DHCPOFFER;
    else if (type === DHCPREQUEST) {
      const req = opts.get(50);
      const server = opts.get(54);
      const wanted = req && req.length === 4 ? view(req).getUint32(0) : d.getUint32(12); // requested IP, else ciaddr
      if (server && server.length === 4 && view(server).getUint32(0) !== PEER_IP) return null; // another server's lease
      reply = wanted === GUEST_IP || wanted === 0 ? DHCPACK : DHCPNAK;
    } else return null;
    // BOOTP reply: op 2, same htype/hlen/xid/flags/chaddr, yiaddr = the lease, siaddr = us.
    const out = new Uint8Array(BOOTP_FIXED + 4 + 64);
    const o = view(out);
    out[0] = 2;
    out[1] = 1;
    out[2] = 6;
    out.set(p.subarray(4, 8), 4); // xid
    out.set(p.subarray(10, 12), 10); // flags
    if (reply !== DHCPNAK) {
      o.setUint32(16, GUEST_IP);
      o.setUint32(20, PEER_IP);
    }
    out.set(p.subarray(24, 28), 24); // giaddr
    out.set(p.subarray(28, 44), 28); // chaddr
    o.setUint32(BOOTP_FIXED, DHCP_MAGIC);
    const options: number[] = [53, 1, reply, 54, 4, ...be32(PEER_IP)];
    if (reply !== DHCPNAK) options.push(51, 4, ...be32(LEASE_SECONDS), 1, 4, ...be32(NETMASK), 3, 4, ...be32(PEER_IP));
    options.push(255);
    out.set(options, BOOTP_FIXED + 4);
    // Broadcast: the client has no address yet (RFC 2131 4.1 allows it whatever the flags say).
    const udp = buildUdp(PEER_IP, 0xffffffff, BOOTP_SERVER_PORT, BOOTP_CLIENT_PORT, out);
    return buildEth(BROADCAST_MAC, PEER_MAC, ETHERTYPE_IPV4, buildIp4(PEER_IP, 0xffffffff, IPPROTO_UDP, udp, this.ipId++));
  }

  saveState(): DeviceState {
    return { counters: { ...this.counters }, ipId: this.ipId };
  }

  loadState(s: DeviceState): void {
    this.counters = { ...(s.counters as PeerCounters) };
    this.ipId = s.ipId as number;
  }

  reset(): void {
    this.counters = { answered: 0, ignored: 0, malformed: 0 };
    this.ipId = 0;
  }
}

function be32(v: number): number[] {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

/** DHCP options (RFC 2132) up to END; null when an option runs past the packet. */
export function parseOptions(p: Uint8Array): Map<number, Uint8Array> | null {
  const out = new Map<number, Uint8Array>();
  for (let i = 0; i < p.length; ) {
    const code = p[i++];
    if (code === 0) continue; // PAD
    if (code === 255) return out; // END
    if (i >= p.length) return null;
    const len = p[i++];
    if (i + len > p.length) return null;
    out.set(code, p.subarray(i, i + len));
    i += len;
  }
  return null; // no END option
}

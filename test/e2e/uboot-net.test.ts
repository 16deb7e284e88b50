/**
 * Debian's U-Boot on the network: its virtio-net driver gets an address from the built-in
 * peer with `dhcp` and pings it; the recording of that session replays to the same console
 * output and state hashes, and in the replay reverse-continue goes back to the moment the
 * driver received the last frame (the echo reply).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import type { MachineConfig } from '../../dist/cli/machine-args.js';
import { decodeRecording, encodeRecording } from '../../dist/replay/recording.js';
import { configFromRecording, createSession, toRecording, type Session } from '../../dist/session/session.js';
import { ubootNetRecvHitLinkAddr, UBOOT_ELF } from './uboot-elf.js';

const OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
/** U-Boot is linked at 0x80200000 and relocates itself near the top of RAM. */
const UBOOT_LINK_BASE = 0x80200000;

function ubootConfig(net: MachineConfig['net']): MachineConfig {
  for (const f of [OPENSBI, UBOOT, UBOOT_ELF]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing (apt-get install opensbi u-boot-qemu)`);
  }
  return {
    memoryBytes: 128 * 2 ** 20, smp: 1, files: {},
    bios: new Uint8Array(fs.readFileSync(OPENSBI)),
    kernel: new Uint8Array(fs.readFileSync(UBOOT)),
    ...(net ? { net } : {}),
  };
}

/** A session whose console output is collected (each byte once, as a user sees it). */
function open(o: Parameters<typeof createSession>[0]): { s: Session; text: () => string } {
  let text = '';
  const s = createSession({ ...o, clockMode: 'virtual', onConsoleOutput: (b) => { text += Buffer.from(b).toString('latin1'); } });
  return { s, text: () => text };
}

/** Run the live session until `re` appears in the output after `from`, noting state hashes. */
async function until(u: { s: Session; text: () => string }, re: RegExp, from: number, hashes?: Map<number, string>): Promise<void> {
  const limit = u.s.machine.icount + 200_000_000;
  while (!re.test(u.text().slice(from))) {
    if (u.s.machine.icount > limit) throw new Error(`no ${re} within 200M instructions; console:\n${u.text()}`);
    const stop = await u.s.timeline.runForward({ budget: 1_000_000 });
    hashes?.set(stop.icount, u.s.machine.stateHash());
    if (stop.reason === 'poweroff') break;
  }
}

/** Type a command at the prompt and return what it printed up to the next prompt. */
async function command(u: { s: Session; text: () => string }, line: string, hashes?: Map<number, string>): Promise<string> {
  const from = u.text().length;
  u.s.timeline.queueInput({ kind: 'console', bytes: new TextEncoder().encode(line + '\r') });
  await until(u, /\n=> $/, from, hashes);
  return u.text().slice(from);
}

async function toPrompt(u: { s: Session; text: () => string }, hashes?: Map<number, string>): Promise<void> {
  await until(u, /Hit any key to stop autoboot/, 0, hashes);
  u.s.timeline.queueInput({ kind: 'console', bytes: Uint8Array.of(0x20) });
  await until(u, /\n=> $/, 0, hashes);
}

describe('U-Boot dhcp and ping over virtio-net against the built-in peer', function () {
  this.timeout(300_000);

  it('gets 10.0.2.15, pings 10.0.2.2, replays identically, and reverse-continues to the last frame received', async () => {
    const hashes = new Map<number, string>();
    const live = open({ config: ubootConfig({ spec: { kind: 'user' } }) });
    await toPrompt(live, hashes);
    expect(live.text()).to.match(/Net:\s+eth0: virtio-net#1/);
    await command(live, 'setenv autoload no', hashes); // dhcp would otherwise try TFTP
    const dhcp = await command(live, 'dhcp', hashes);
    expect(dhcp).to.match(/DHCP client bound to address 10\.0\.2\.15/);
    const ping = await command(live, 'ping 10.0.2.2', hashes);
    expect(ping).to.match(/host 10\.0\.2\.2 is alive/);
    const bd = await command(live, 'bdinfo', hashes);
    expect(bd).to.match(/IP addr\s+= 10\.0\.2\.15/);
    const relocOff = Number(/reloc off\s+= (0x[0-9a-f]+)/.exec(bd)![1]);
    live.s.timeline.queueInput({ kind: 'console', bytes: new TextEncoder().encode('poweroff\r') });
    const end = await live.s.timeline.runForward({});
    expect(end.reason).to.equal('poweroff');
    // DISCOVER, REQUEST, ARP request, echo request out; OFFER, ACK, ARP reply, echo reply in.
    expect(live.s.machine.net!.counters).to.include({ txFrames: 4, rxFrames: 4, rxDroppedNotReady: 0, rxDroppedTooBig: 0 });
    expect(live.s.machine.netPeer!.counters).to.deep.equal({ answered: 4, ignored: 0, malformed: 0 });
    // The peer is part of the machine: nothing about the network is logged, only the keys typed.
    expect(live.s.timeline.log.toArray().every((e) => e.event.kind !== 'net')).to.equal(true);

    const rec = decodeRecording(encodeRecording(toRecording(live.s)));
    expect(rec.config.options['net']).to.deep.equal({ spec: 'user', legacy: false });
    const again = open({
      config: configFromRecording(rec), mode: 'replay', log: rec.log, endIcount: rec.endIcount,
      ...(rec.finalStateHash ? { expectedFinalHash: rec.finalStateHash } : {}),
    });
    const replayEnd = await again.s.timeline.runForward({});
    expect(replayEnd.reason).to.equal('replaylog-end');
    expect(replayEnd.icount).to.equal(end.icount);
    expect(again.text()).to.equal(live.text());
    expect(again.s.machine.stateHash()).to.equal(rec.finalStateHash);
    const points = [...hashes.keys()].filter((_, i) => i % 5 === 0);
    for (const ic of points) {
      await again.s.timeline.seek(ic);
      expect(again.s.machine.stateHash(), `state at icount ${ic}`).to.equal(hashes.get(ic));
    }

    // Back from the end to where virtio_net_recv last got a buffer back: the echo reply.
    await again.s.timeline.seek(end.icount);
    const hit = ubootNetRecvHitLinkAddr() + relocOff;
    expect(hit - relocOff).to.be.greaterThan(UBOOT_LINK_BASE);
    again.s.machine.breakpoints.add(hit);
    const back = await again.s.timeline.reverseContinue();
    expect(back.reason).to.equal('breakpoint');
    const hart = again.s.machine.harts[0];
    expect(Number(hart.getPC())).to.equal(hit);
    const buf = Number(hart.getX(10)); // a0: the buffer, 12-byte virtio_net_hdr first
    const frame = again.s.machine.readPhys(buf + 12, 14 + 20 + 8)!;
    const dv = new DataView(frame.buffer, frame.byteOffset);
    expect(dv.getUint16(12), 'ethertype').to.equal(0x0800);
    expect(frame[14 + 9], 'IP protocol').to.equal(1);
    expect(Array.from(frame.subarray(14 + 12, 14 + 16)).join('.'), 'IP source').to.equal('10.0.2.2');
    expect(frame[14 + 20], 'ICMP type').to.equal(0); // echo reply
    // One more step back in receive history: the ARP reply that came before it.
    const before = await again.s.timeline.reverseContinue();
    expect(before.reason).to.equal('breakpoint');
    expect(before.icount).to.be.lessThan(back.icount);
    const arp = again.s.machine.readPhys(Number(hart.getX(10)) + 12, 14)!;
    expect(new DataView(arp.buffer, arp.byteOffset).getUint16(12), 'ethertype').to.equal(0x0806);
  });

  it('works on the legacy virtio-mmio transport too', async () => {
    const live = open({ config: ubootConfig({ spec: { kind: 'user' }, legacy: true }) });
    await toPrompt(live);
    await command(live, 'setenv autoload no');
    expect(await command(live, 'dhcp')).to.match(/DHCP client bound to address 10\.0\.2\.15/);
    expect(await command(live, 'ping 10.0.2.2')).to.match(/host 10\.0\.2\.2 is alive/);
  });

  it('without --net U-Boot finds no network card', async () => {
    const live = open({ config: ubootConfig(undefined) });
    await toPrompt(live);
    expect(live.text()).to.match(/Net:\s+No ethernet found/);
  });
});

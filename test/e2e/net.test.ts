/**
 * The network through the CLI, with the netping guest (test/guests/netping.c): against the
 * built-in peer; two rvrr instances cabled by the UDP backend on loopback (and rvrr with
 * QEMU's -netdev dgram); the recording of a UDP session replays from its log without a
 * network, and gdb's reverse-continue goes back to the last frame the guest received.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRecording } from '../../dist/replay/recording.js';
import { configFromRecording, createSession } from '../../dist/session/session.js';
import { CLI, gdbBatch, haveGdb, ROOT, runCli, startServer } from './harness.js';

const GUEST = 'test/guests/netping.elf';
const RESPONDER_MAC = '52:54:00:12:34:02';

/** Two UDP ports free right now (bound on loopback and released). */
async function freePorts(n: number): Promise<number[]> {
  const socks = await Promise.all(
    Array.from({ length: n }, () => new Promise<dgram.Socket>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.bind(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = socks.map((s) => s.address().port);
  await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/** Run a command to its exit, collecting its output. */
function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

const rvrr = (args: string[]) => run(process.execPath, [CLI, ...args, '--console', 'stdio', '--clock', 'virtual']);
const replies = (out: string) => out.match(/^netping: reply from 10\.0\.2\.2 seq \d ttl 64$/gm) ?? [];
/** Sequence numbers answered (a retransmitted request is answered again). */
const answered = (out: string) => [...new Set((out.match(/^netping: answered echo request seq \d from 10\.0\.2\.15$/gm) ?? []).map((l) => l.split(' ')[5]))];

describe('network: the netping guest over --net user and --net udp', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-net-'));
  });

  it('pings the built-in peer', () => {
    const r = runCli(['run', '--kernel', GUEST, '--net', 'user', '--clock', 'virtual']);
    expect(r.stdout).to.contain('netping: pinger 10.0.2.15');
    expect(replies(r.stdout)).to.have.length(3);
    expect(r.code).to.equal(0);
  });

  it('without a card the guest finds none', () => {
    const r = runCli(['run', '--kernel', GUEST, '--clock', 'virtual']);
    expect(r.stdout).to.contain('netping: no virtio-net card');
    expect(r.code).to.equal(1);
  });

  it('rejects bad --net values with a one-line message', () => {
    for (const [v, msg] of [
      ['tap:0', /--net tap:0: expected none, user or udp:LOCALPORT:REMOTEHOST:REMOTEPORT/],
      ['udp:1:127.0.0.1:70000', /ports must be 0\.\.65535/],
    ] as const) {
      const r = runCli(['run', '--kernel', GUEST, '--net', v]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(msg);
    }
    const m = runCli(['run', '--kernel', GUEST, '--net', 'user', '--net-mac', '01:00:00:00:00:01']);
    expect(m.stderr).to.match(/is a multicast address/);
    const n = runCli(['run', '--kernel', GUEST, '--net-mac', '52:54:00:00:00:01']);
    expect(n.stderr).to.match(/--net-mac and --net-legacy need a network card/);
  });

  it('two rvrr instances ping each other over UDP; the recording replays from its log without a network', async () => {
    const [a, b] = await freePorts(2);
    const file = path.join(dir, 'ping.rvrr');
    const responder = rvrr(['run', '--kernel', GUEST, '--net', `udp:${b}:127.0.0.1:${a}`, '--net-mac', RESPONDER_MAC]);
    const pinger = rvrr(['record', '-o', file, '--kernel', GUEST, '--net', `udp:${a}:127.0.0.1:${b}`]);
    const [p, r] = await Promise.all([pinger, responder]);
    expect(p.out).to.contain('netping: pinger 10.0.2.15');
    expect(r.out).to.contain('netping: responder 10.0.2.2');
    expect(replies(p.out)).to.have.length(3);
    expect(answered(r.out)).to.have.length(3);
    expect(p.code).to.equal(0);
    expect(r.code).to.equal(0);

    // The frames the pinger received are in its log; the card's configuration in the file.
    const rec = await readRecording(file);
    const frames = rec.log.filter((e) => e.event.kind === 'net');
    expect(frames.length).to.be.at.least(4); // an ARP reply and three echo replies
    expect(rec.config.options['net']).to.deep.equal({ spec: `udp:${a}:127.0.0.1:${b}`, legacy: false });
    const info = runCli(['info', file]);
    expect(info.stdout).to.match(/events: \d+ \(.*net \d+/);

    // Replay with the pinger's old port taken by a listener: nothing may be sent to it, and
    // the guest sees the same replies, from the log.
    const spy = dgram.createSocket('udp4');
    let got = 0;
    spy.on('message', () => got++);
    await new Promise<void>((res) => spy.bind(b, '127.0.0.1', () => res()));
    try {
      let text = '';
      const s = createSession({
        config: configFromRecording(rec), mode: 'replay', log: rec.log, endIcount: rec.endIcount,
        ...(rec.finalStateHash ? { expectedFinalHash: rec.finalStateHash } : {}),
        clockMode: 'virtual',
        onConsoleOutput: (bytes) => { text += Buffer.from(bytes).toString('latin1'); },
      });
      const end = await s.timeline.runForward({});
      expect(end.reason).to.equal('replaylog-end');
      expect(end.exitCode).to.equal(0);
      expect(s.machine.stateHash()).to.equal(rec.finalStateHash);
      expect(replies(text)).to.have.length(3);
      expect(text, 'replayed console output').to.equal(p.out);
      await new Promise((res) => setImmediate(res));
    } finally {
      await new Promise<void>((res) => spy.close(() => res()));
    }
    expect(got, 'datagrams sent while replaying').to.equal(0);
  });

  it('gdb reverse-continues to the last frame net_rx received, in the replay of a UDP session', async function () {
    if (!haveGdb()) throw new Error('gdb-multiarch is not installed');
    const [a, b] = await freePorts(2);
    const file = path.join(dir, 'gdb.rvrr');
    const responder = rvrr(['run', '--kernel', GUEST, '--net', `udp:${b}:127.0.0.1:${a}`, '--net-mac', RESPONDER_MAC]);
    const p = await rvrr(['record', '-o', file, '--kernel', GUEST, '--net', `udp:${a}:127.0.0.1:${b}`]);
    expect((await responder).code).to.equal(0);
    expect(p.code).to.equal(0);
    const server = await startServer(['replay', file, '--console', 'none']);
    try {
      const out = await gdbBatch(server.port, GUEST, [
        'continue',
        'break net_rx',
        'reverse-continue',
        'print len',
        'print/x *(unsigned short *)(frame + 12)',
        'print frame[14 + 20]',
        'print/u frame[14 + 20 + 7]',
        'print replies',
        'monitor info net',
      ]);
      expect(out).to.match(/No more reverse-execution history|exited normally|\[Inferior 1 \(process 1\) exited/);
      expect(out).to.match(/Breakpoint 1, net_rx \(frame=/);
      expect(out).to.match(/\$1 = 74\b/); // 14 + 20 + 8 + 32: the last echo reply
      expect(out).to.match(/\$2 = 0x8\b/); // 0x0800 as the guest reads it little-endian: 0x0008
      expect(out).to.match(/\$3 = 0 '\\000'/); // ICMP echo reply
      expect(out).to.match(/\$4 = 3\b/); // seq 3
      expect(out).to.match(/\$5 = 2\b/); // replies so far: the third not counted yet
      expect(out).to.contain('virtio-net in slot 1 (0x10002000), mac 52:54:00:12:34:56, link to the host (frames logged as inputs)');
      expect(out).to.match(/received \d+, sent \d+, 0 waiting for receive buffers/);
    } finally {
      await server.stop();
    }
  });

  it('rvrr and QEMU (-netdev dgram) ping each other both ways', async function () {
    if (spawnSync('qemu-system-riscv64', ['--version']).status !== 0) throw new Error('qemu-system-riscv64 is not installed');
    const qemu = (local: number, remote: number, mac: string) => run('qemu-system-riscv64', [
      '-M', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none', '-kernel', GUEST,
      '-global', 'virtio-mmio.force-legacy=false',
      '-netdev', `dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=${local},remote.type=inet,remote.host=127.0.0.1,remote.port=${remote}`,
      '-device', `virtio-net-device,netdev=n0,mac=${mac}`,
    ], 60_000);
    {
      const [a, b] = await freePorts(2);
      const [q, r] = await Promise.all([qemu(b, a, RESPONDER_MAC), rvrr(['run', '--kernel', GUEST, '--net', `udp:${a}:127.0.0.1:${b}`])]);
      expect(replies(r.out), r.out).to.have.length(3);
      expect(answered(q.out), q.out).to.have.length(3);
      expect([q.code, r.code], q.out + r.out).to.deep.equal([0, 0]);
    }
    {
      const [a, b] = await freePorts(2);
      const [q, r] = await Promise.all([
        qemu(a, b, '52:54:00:12:34:56'),
        rvrr(['run', '--kernel', GUEST, '--net', `udp:${b}:127.0.0.1:${a}`, '--net-mac', RESPONDER_MAC]),
      ]);
      expect(replies(q.out), q.out).to.have.length(3);
      expect(answered(r.out), r.out).to.have.length(3);
      expect([q.code, r.code], q.out + r.out).to.deep.equal([0, 0]);
    }
  });
});

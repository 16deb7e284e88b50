import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import { RspClient, RspError } from '../../dist/gdb/client.js';
import { framePacket } from '../../dist/gdb/packet.js';
import type { GdbServer } from '../../dist/gdb/server.js';
import { FakeTarget, KERNEL_VA, RAM_BASE, RAM_SIZE, TEST_DEV, asm } from './fake-target.js';
import { DATA, makeTarget, sleep, startServer } from './helpers.js';

/** A raw TCP peer for tests that need byte-level control. */
class RawPeer {
  data = '';
  closed = false;
  constructor(readonly socket: Socket) {
    socket.on('data', (d) => (this.data += d.toString('latin1')));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }
  static open(port: number): Promise<RawPeer> {
    return new Promise((resolve) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new RawPeer(s)));
    });
  }
  send(s: string | Buffer): void {
    this.socket.write(s);
  }
  async waitFor(pred: (data: string) => boolean, what: string, ms = 2000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred(this.data)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got '${this.data}'`);
      await sleep(5);
    }
  }
  async waitClosed(ms = 2000): Promise<void> {
    const end = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > end) throw new Error('connection not closed');
      await sleep(5);
    }
  }
}

describe('gdb server over TCP with a fake target', () => {
  let target: FakeTarget;
  let server: GdbServer;
  let port: number;
  let client: RspClient;

  beforeEach(async () => {
    target = makeTarget(2);
    ({ server, port } = await startServer(target));
    client = await RspClient.connect(port);
    await client.handshake();
  });

  afterEach(async () => {
    client.close();
    await server.close();
  });

  it('listens on 127.0.0.1 on the port it reports', () => {
    expect(server.port).to.equal(port).and.to.be.greaterThan(0);
    expect(client.rawSocket.remoteAddress).to.equal('127.0.0.1');
  });

  it('announces an honest feature list in qSupported', () => {
    expect(client.features.get('PacketSize')).to.equal('4000');
    for (const f of ['QStartNoAckMode', 'qXfer:features:read', 'qXfer:threads:read', 'qXfer:memory-map:read', 'swbreak', 'hwbreak', 'vContSupported', 'ReverseStep', 'ReverseContinue'])
      expect(client.features.get(f), f).to.equal('+');
  });

  it('reports the initial stop with thread and expedited pc/sp/fp', async () => {
    const stop = await client.haltReason();
    expect(stop).to.deep.include({ kind: 'stopped', signal: 5, thread: 1 });
    if (stop.kind !== 'stopped') throw new Error();
    expect(stop.registers.get(32)).to.equal(BigInt(RAM_BASE));
    expect(stop.registers.get(2)).to.equal(BigInt(RAM_BASE + 0x8000));
    expect(stop.registers.has(8)).to.equal(true);
  });

  it('serves target.xml in chunks with gdb register numbers', async () => {
    const xml = await client.readXfer('features', 'target.xml');
    expect(xml.length).to.be.greaterThan(0xfff); // needed more than one chunk
    expect(xml).to.contain('<architecture>riscv:rv64</architecture>');
    expect(xml).to.match(/<reg name="zero" bitsize="64" regnum="0"/);
    expect(xml).to.match(/<reg name="pc" bitsize="64" regnum="32"/);
    expect(xml).to.match(/<reg name="ft0" bitsize="64" regnum="33"/);
    expect(xml).to.match(/<reg name="fcsr" bitsize="64" regnum="68"/);
    expect(xml).to.match(/<reg name="mstatus" bitsize="64" regnum="833"/);
    expect(xml).to.match(/<reg name="priv" bitsize="64" regnum="4161"/);
    expect(await client.request('qXfer:features:read:other.xml:0,100')).to.equal('E00');
    expect(await client.request('qXfer:auxv:read::0,100')).to.equal('');
  });

  it('lists threads as harts', async () => {
    expect(await client.threads()).to.deep.equal([1, 2]);
    const xml = await client.readXfer('threads', '');
    expect(xml).to.contain('name="hart 0"').and.to.contain('name="hart 1"');
    expect(await client.command('qC')).to.equal('QC1');
    expect(await client.command('T2')).to.equal('OK');
    expect(await client.request('T3')).to.equal('E03');
    expect(await client.request('Hg7')).to.equal('E03');
    expect(await client.command('qAttached')).to.equal('1');
    expect(await client.command('qOffsets')).to.equal('Text=0;Data=0;Bss=0');
    expect(await client.command('qSymbol::')).to.equal('OK');
  });

  it('describes memory with gaps as ram and the boot ROM as rom', async () => {
    const xml = await client.readXfer('memory-map', '');
    expect(xml).to.contain('<memory type="rom" start="0x1000" length="0x1000"/>');
    expect(xml).to.contain(`<memory type="ram" start="0x80000000" length="0x${RAM_SIZE.toString(16)}"/>`);
    expect(xml).to.contain('<memory type="ram" start="0x80010000" length="0xffffffff7fff0000"/>');
  });

  it('reads and writes registers with g/G/p/P on the selected hart', async () => {
    const regs = await client.readRegisters();
    expect(regs.length).to.equal(33);
    expect(regs[10]).to.equal(BigInt(DATA));
    expect(regs[32]).to.equal(BigInt(RAM_BASE));
    await client.writeRegister(10, 0xffffffffffffffffn);
    expect(target.readRegister(0, 10)).to.equal(0xffffffffffffffffn);
    expect(await client.readRegister(65 + 0x300)).to.equal(0xa00000000n);
    expect(await client.readRegister(4161)).to.equal(3n);
    expect(await client.readRegister(65 + 0x7c0)).to.equal(undefined); // not implemented: unavailable
    await client.selectThread(2);
    expect(await client.readRegister(65 + 0xf14)).to.equal(1n); // mhartid of hart 1
    regs[11] = 0x1234n;
    await client.writeRegisters(regs);
    expect(target.readRegister(1, 11)).to.equal(0x1234n);
    expect(target.readRegister(0, 11)).to.equal(0n);
    expect(await client.request('P1041=0200000000000000')).to.equal('E16'); // priv 2 refused
    expect(await client.request('P1=01')).to.equal('E16'); // wrong size
  });

  it('reads and writes memory: binary X with escapes, kernel virtual alias, physical mode, faults', async () => {
    const bytes = Buffer.from([0x24, 0x23, 0x7d, 0x2a, 0x00, 0xff, 0x03, 0x2b]);
    await client.writeMemory(DATA, bytes);
    expect((await client.readMemory(DATA, 8)).equals(bytes)).to.equal(true);
    const kva = KERNEL_VA + (DATA - RAM_BASE);
    expect((await client.readMemory(kva, 8)).equals(bytes)).to.equal(true);
    await client.writeMemory(kva + 8, Buffer.from('abcd'), true);
    expect(target.ram.toString('latin1', DATA - RAM_BASE + 8, DATA - RAM_BASE + 12)).to.equal('abcd');

    expect(await client.monitor('phys on')).to.equal('memory accesses use physical addresses\n');
    expect(await client.request(`m${BigInt.asUintN(64, BigInt(kva)).toString(16)},8`)).to.equal('E0e');
    expect((await client.readMemory(DATA, 4)).equals(bytes.subarray(0, 4))).to.equal(true);
    await client.monitor('phys off');
    expect((await client.readMemory(kva, 4)).equals(bytes.subarray(0, 4))).to.equal(true);

    expect(await client.request('m0,4')).to.equal('E0e');
    expect(await client.request('X0,1:a')).to.equal('E0e');
    // A read running off the end of RAM returns the readable part.
    expect((await client.readMemory(RAM_BASE + RAM_SIZE - 2, 8)).length).to.equal(2);
    // A huge read is capped to what fits in a packet.
    const big = await client.readMemory(RAM_BASE, 0x10000);
    expect(big.length).to.be.greaterThan(0x1000).and.to.be.lessThan(0x2000);
    expect(await client.request('X80000000,0:')).to.equal('OK');
  });

  it('stops at software and hardware breakpoints with swbreak/hwbreak', async () => {
    await client.insertBreakpoint(0, RAM_BASE + 0x10, 4);
    let stop = await client.cont();
    expect(stop).to.deep.include({ kind: 'stopped', signal: 5, reason: 'swbreak' });
    expect(stop.kind === 'stopped' && stop.registers.get(32)).to.equal(BigInt(RAM_BASE + 0x10));
    await client.removeBreakpoint(0, RAM_BASE + 0x10, 4);
    await client.insertBreakpoint(1, RAM_BASE + 0x0c, 4);
    stop = await client.cont();
    expect(stop).to.deep.include({ reason: 'hwbreak' });
    expect(stop.kind === 'stopped' && stop.registers.get(32)).to.equal(BigInt(RAM_BASE + 0x0c));
    expect(await client.request('z0,80000010,4')).to.equal('E16'); // already removed
  });

  it('reports write/read/access watchpoints with the watched address', async () => {
    await client.insertBreakpoint(2, DATA + 8, 8);
    let stop = await client.cont();
    expect(stop).to.deep.include({ reason: 'watch', reasonValue: (DATA + 8).toString(16) });
    expect(stop.kind === 'stopped' && stop.registers.get(32)).to.equal(BigInt(RAM_BASE + 0x14));
    await client.removeBreakpoint(2, DATA + 8, 8);
    await client.insertBreakpoint(3, DATA + 4, 1);
    stop = await client.cont();
    expect(stop).to.deep.include({ reason: 'rwatch', reasonValue: (DATA + 4).toString(16) });
    await client.removeBreakpoint(3, DATA + 4, 1);
    await client.insertBreakpoint(4, DATA, 0x100);
    stop = await client.cont();
    expect(stop).to.deep.include({ reason: 'awatch' });
  });

  it('steps one hart with s and vCont;s, range-steps with vCont;r', async () => {
    let stop = await client.step();
    expect(stop).to.deep.include({ signal: 5, thread: 1 });
    expect(target.harts[0].pc).to.equal(BigInt(RAM_BASE + 4));
    expect(target.harts[1].pc).to.equal(BigInt(RAM_BASE));
    stop = await client.step(2);
    expect(stop).to.deep.include({ thread: 2 });
    expect(target.harts[1].pc).to.equal(BigInt(RAM_BASE + 4));
    expect(target.resumes.at(-1)).to.deep.equal({ kind: 'step', hart: 1 });
    // gdb's usual form: step thread 1, default action continue for the others.
    stop = await client.vCont('s:1;c');
    expect(target.resumes.at(-1)).to.deep.equal({ kind: 'step', hart: 0 });
    expect(await client.command('vCont?')).to.equal('vCont;c;C;s;S;r');
    // A continue for one thread with no default action: the others stay stopped.
    await client.insertBreakpoint(0, RAM_BASE + 0x0c, 4);
    stop = await client.vCont('c:2');
    expect(target.resumes.at(-1)).to.deep.equal({ kind: 'continue', hart: 1, onlyHart: true });
    expect(stop).to.deep.include({ thread: 2 });
    expect(target.harts[0].pc).to.equal(BigInt(RAM_BASE + 8));
    await client.vCont('c:1;c');
    expect(target.resumes.at(-1)).to.deep.equal({ kind: 'continue', hart: 0 });
    await client.removeBreakpoint(0, RAM_BASE + 0x0c, 4);
    target.harts[0].pc = BigInt(RAM_BASE + 8);
    stop = await client.vCont(`r${(RAM_BASE + 8).toString(16)},${(RAM_BASE + 0x18).toString(16)}:1`);
    expect(stop).to.deep.include({ signal: 5, thread: 1 });
    expect(target.harts[0].pc).to.equal(BigInt(RAM_BASE + 0x18));
    expect(await client.request('vCont;c:9')).to.equal('E03'.replace('03', '16'));
  });

  it('sets the pc with c ADDR and ignores C/S signals', async () => {
    await client.insertBreakpoint(0, RAM_BASE + 0x18, 4);
    const stop = parseInt((await client.command(`C02;${(RAM_BASE + 0x10).toString(16)}`)).slice(1, 3), 16);
    expect(stop).to.equal(5);
    expect(target.resumes.at(-1)).to.deep.equal({ kind: 'continue', hart: 0 });
    expect(target.harts[0].pc).to.equal(BigInt(RAM_BASE + 0x18));
  });

  it('runs backwards with bs and bc, down to replaylog:begin', async () => {
    // One hart keeps the expected positions simple.
    client.close();
    await server.close();
    target = makeTarget(1);
    ({ server, port } = await startServer(target));
    client = await RspClient.connect(port);
    await client.handshake();
    const pcs: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      pcs.push(target.harts[0].pc);
      await client.step(1);
    }
    for (let i = 4; i >= 0; i--) {
      const stop = await client.reverseStep();
      expect(stop.kind === 'stopped' && stop.registers.get(32)).to.equal(pcs[i]);
    }
    const begin = await client.reverseStep();
    expect(begin).to.deep.include({ reason: 'replaylog', reasonValue: 'begin' });
    await client.insertBreakpoint(0, RAM_BASE + 0x0c, 4);
    await client.insertBreakpoint(0, RAM_BASE + 0x18, 4);
    await client.cont();
    await client.step(); // off the breakpoint, as gdb does
    await client.cont();
    expect(target.harts[0].pc).to.equal(BigInt(RAM_BASE + 0x18));
    const back = await client.reverseContinue();
    expect(back).to.deep.include({ reason: 'swbreak' });
    expect(back.kind === 'stopped' && back.registers.get(32)).to.equal(BigInt(RAM_BASE + 0x0c));
    await client.removeBreakpoint(0, RAM_BASE + 0x0c, 4);
    await client.removeBreakpoint(0, RAM_BASE + 0x18, 4);
    expect(await client.reverseContinue()).to.deep.include({ reason: 'replaylog', reasonValue: 'begin' });
  });

  it('interrupts a long continue with 0x03 (SIGINT) and forwards throttled progress', async () => {
    const progress: string[] = [];
    client.onOutput = (t) => progress.push(t);
    const pending = client.cont();
    await sleep(700);
    const t0 = Date.now();
    client.interrupt();
    const stop = await pending;
    expect(Date.now() - t0).to.be.lessThan(500);
    expect(stop).to.deep.include({ kind: 'stopped', signal: 2 });
    expect(target.history.length).to.be.greaterThan(1000);
    // Progress came as console output, but at most about one per 500 ms.
    expect(progress.length).to.be.within(1, 3);
    expect(progress[0]).to.match(/^ran \d+ instructions\n$/);
    // The session goes on.
    expect((await client.haltReason()).kind).to.equal('stopped');
  });

  it('interrupts a pending resume even if 0x03 follows the c packet in the same write', async () => {
    const p = new Promise<string>((resolve) => {
      client.rawSocket.write(Buffer.concat([framePacket('c'), Buffer.from([3])]));
      const end = Date.now() + 3000;
      const poll = (): void => {
        const s = server.lastStop;
        if (s.kind === 'signal' && s.signal === 2) resolve('stopped');
        else if (Date.now() > end) resolve('timeout');
        else setTimeout(poll, 5);
      };
      poll();
    });
    expect(await p).to.equal('stopped');
  });

  it('answers unknown packets with an empty reply, malformed and oversized ones with an error', async () => {
    expect(await client.request('vMustReplyEmpty')).to.equal('');
    expect(await client.request('QThreadEvents:1')).to.equal('');
    expect(await client.request('mzz,4')).to.equal('E16');
    expect(await client.request('M' + '8'.repeat(0x4100))).to.equal('E16');
    expect((await client.readRegisters()).length).to.equal(33);
  });

  it('keeps going when the target throws', async () => {
    target.readMemory = () => {
      throw new Error('boom');
    };
    expect(await client.request('m80000000,4')).to.equal('E01');
    expect(await client.command('qC')).to.equal('QC1');
  });

  it('runs monitor commands: help, target commands, errors, unknown', async () => {
    const help = await client.monitor('help');
    expect(help).to.match(/^help\s+list monitor commands$/m);
    expect(help).to.match(/^phys \[on\|off\]\s+/m);
    expect(help).to.match(/^info\s+machine summary$/m);
    expect(await client.monitor('info')).to.match(/^fake machine: 2 hart\(s\)/);
    expect(await client.monitor('fail')).to.equal('fail: this command always fails\n');
    expect(await client.monitor('frobnicate 1')).to.equal("unknown monitor command 'frobnicate'; try 'monitor help'\n");
    expect(await client.monitor('phys maybe')).to.equal('usage: monitor phys [on|off]\n');
  });

  it('interrupts a long monitor command and remembers the stop it reports', async () => {
    const p = client.monitor('spin');
    await sleep(300);
    client.interrupt();
    const out = await p;
    expect(out).to.match(/spinning 1\n/);
    expect(out).to.match(/spun \d+ times\n$/);
    expect(await client.haltReason()).to.deep.include({ signal: 2 });
  });

  it('works in no-ack mode: no more + or - on the wire', async () => {
    await client.startNoAck();
    const raw: string[] = [];
    client.rawSocket.on('data', (d: Buffer) => raw.push(d.toString('latin1')));
    expect(await client.command('qC')).to.equal('QC1');
    await client.step();
    expect(raw.join('')).not.to.match(/^\+|#..\+/);
    // Checksums are no longer verified either.
    client.rawSocket.write('$qC#00');
    await sleep(50);
    expect(raw.join('')).to.contain('$QC1#');
  });

  it('refuses a second debugger with a clear error while the first stays attached', async () => {
    const second = await RspClient.connect(port);
    const reply = await second.request('qSupported:swbreak+');
    expect(reply).to.match(/^E\.rvrr: another debugger is already attached/);
    await sleep(150);
    await second.request('?').then(
      () => expect.fail('second connection should be closed'),
      (e: Error) => expect(e.message).to.match(/closed/),
    );
    expect(await client.command('qC')).to.equal('QC1');
  });

  it('accepts a new debugger after a disconnect, with breakpoints dropped', async () => {
    await client.insertBreakpoint(0, RAM_BASE + 8, 4);
    await client.step();
    client.close();
    client = await RspClient.connect(port);
    await client.handshake();
    expect(await client.haltReason()).to.deep.include({ signal: 5, thread: 1 });
    expect(target.detached).to.equal(1);
    expect(target.breakpoints).to.deep.equal([]);
  });

  it('interrupts the target when the client vanishes mid-resume, then serves the next one', async () => {
    const pending = client.cont().catch((e: Error) => e);
    await sleep(100);
    client.close();
    expect(await pending).to.be.instanceOf(Error);
    client = await RspClient.connect(port);
    await client.handshake();
    expect(await client.haltReason()).to.deep.include({ signal: 2 });
    expect(target.interrupted).to.equal(true);
  });

  it('detaches with D and kills with k / vKill', async () => {
    let events: string[] = [];
    server.on('detach', () => events.push('detach'));
    server.on('kill', () => events.push('kill'));
    await client.detach();
    expect(target.detached).to.be.greaterThan(0);
    await sleep(50);
    client = await RspClient.connect(port);
    await client.handshake();
    client.rawSocket.write(framePacket('k'));
    await sleep(100);
    expect(target.killed).to.equal(1);
    expect(events).to.deep.equal(['detach', 'kill']);
    client = await RspClient.connect(port);
    expect(await client.command('vKill;1')).to.equal('OK');
    expect(target.killed).to.equal(2);
    events = [];
  });

  it('throws RspError for error replies in the client', async () => {
    await client.command('m0,4').then(
      () => expect.fail('expected an error'),
      (e: Error) => expect(e).to.be.instanceOf(RspError),
    );
  });
});

describe('gdb server: retransmission and acks (raw bytes)', () => {
  let server: GdbServer;
  let port: number;

  beforeEach(async () => {
    ({ server, port } = await startServer(makeTarget(1)));
  });
  afterEach(async () => {
    await server.close();
  });

  it('acks packets, retransmits a reply on -, answers - to a bad checksum', async () => {
    const peer = await RawPeer.open(port);
    peer.send(framePacket('qC'));
    await peer.waitFor((d) => d === '+$QC1#c5', 'ack and reply');
    peer.send('-');
    await peer.waitFor((d) => d === '+$QC1#c5$QC1#c5', 'retransmission');
    peer.send('+');
    peer.send('$qC#00');
    await peer.waitFor((d) => d.endsWith('-'), 'nack of bad checksum');
    peer.send('garbage\r\n' + framePacket('qC').toString());
    await peer.waitFor((d) => d.endsWith('+$QC1#c5'), 'reply after garbage');
    peer.socket.destroy();
  });

  it('queues replies until the previous one is acked', async () => {
    const peer = await RawPeer.open(port);
    peer.send(Buffer.concat([framePacket('qC'), framePacket('qAttached')]));
    await peer.waitFor((d) => d.includes('$QC1#c5'), 'first reply');
    await sleep(50);
    expect(peer.data).not.to.contain('$1#');
    peer.send('+');
    await peer.waitFor((d) => d.includes('$1#31'), 'second reply after ack');
    peer.socket.destroy();
  });

  it('gives up on a client that rejects a reply too many times', async () => {
    const peer = await RawPeer.open(port);
    peer.send(framePacket('qC'));
    await peer.waitFor((d) => d.includes('$QC1#c5'), 'reply');
    for (let i = 0; i < 9; i++) peer.send('-');
    await peer.waitClosed();
    expect(peer.data.split('$QC1#c5').length - 1).to.equal(9); // 1 + 8 retransmissions
  });
});

describe('gdb server: stop reasons depend on what the client supports', () => {
  it('omits swbreak/hwbreak for a client that did not announce them, keeps replaylog and watch', async () => {
    const target = makeTarget(1);
    const { server, port } = await startServer(target);
    const client = await RspClient.connect(port);
    expect(await client.request('qSupported:multiprocess-')).to.contain('swbreak+');
    await client.insertBreakpoint(0, RAM_BASE + 4, 4);
    const stop = await client.cont();
    expect(stop.raw).to.match(/^T05thread:1;20:0400008000000000;02:0080008000000000;08:0{16};$/);
    target.resume = async () => ({ kind: 'signal', signal: 5, hart: 0, cause: { kind: 'replaylog', at: 'end' } });
    expect(await client.cont()).to.deep.include({ reason: 'replaylog', reasonValue: 'end' });
    target.resume = async () => ({ kind: 'signal', signal: 5, hart: 0, cause: { kind: 'awatch', addr: KERNEL_VA } });
    expect(await client.cont()).to.deep.include({ reason: 'awatch', reasonValue: 'ffffffc000000000' });
    target.resume = async () => {
      throw new Error('target failure');
    };
    expect(await client.request('c')).to.equal('E01');
    expect(await client.request('G00')).to.equal('E16');
    client.close();
    await server.close();
  });
});

describe('gdb server: guest poweroff', () => {
  it('reports W with the exit code, and again on further resumes', async () => {
    const target = new FakeTarget(1);
    target.load(RAM_BASE, [asm.addi(5, 0, 1), asm.sd(14, 13, 0)]);
    target.writeRegister(0, 13, BigInt(TEST_DEV));
    target.writeRegister(0, 14, 0x3333n | (7n << 16n));
    const { server, port } = await startServer(target);
    const exited: number[] = [];
    server.on('exited', (c: number) => exited.push(c));
    const client = await RspClient.connect(port);
    await client.handshake();
    expect(await client.cont()).to.deep.include({ kind: 'exited', code: 7 });
    expect(exited).to.deep.equal([7]);
    expect(await client.request('c')).to.equal('W07');
    expect(await client.request('?')).to.equal('W07');
    client.close();
    await server.close();
  });

  it('a debugger connecting after the exit finds the machine stopped where it powered off', async () => {
    const target = new FakeTarget(1);
    target.load(RAM_BASE, [asm.addi(5, 0, 1), asm.sd(14, 13, 0)]);
    target.writeRegister(0, 13, BigInt(TEST_DEV));
    target.writeRegister(0, 14, 0x5555n);
    const { server, port } = await startServer(target);
    const first = await RspClient.connect(port);
    await first.handshake();
    expect(await first.cont()).to.deep.include({ kind: 'exited', code: 0 });
    first.close();
    const next = await RspClient.connect(port);
    await next.handshake();
    // A stop (not W: gdb would say "The target is not running"), pc on the power-off store.
    expect(await next.request('?')).to.match(/^T05thread:1;20:0400008000000000;/);
    expect(await next.request('bs')).to.match(/^T05thread:1;20:0000008000000000;/);
    next.close();
    await server.close();
  });

  it('sends a message of the target as O packets before the stop reply', async () => {
    const target = makeTarget(1);
    const { server, port } = await startServer(target);
    const client = await RspClient.connect(port);
    await client.handshake();
    target.resume = async () => ({ kind: 'signal', signal: 5, hart: 0, cause: { kind: 'replaylog', at: 'end' }, message: 'the guest powered off\n' });
    expect(await client.cont()).to.deep.include({ reason: 'replaylog', reasonValue: 'end' });
    expect(client.output).to.equal('the guest powered off\n');
    client.close();
    // The end of history is an event of that resume: a new connection's `?` reports a plain stop.
    const next = await RspClient.connect(port);
    await next.handshake();
    expect(await next.request('?')).to.match(/^T05thread:1;20:[0-9a-f]{16};02:[0-9a-f]{16};08:[0-9a-f]{16};$/);
    next.close();
    await server.close();
  });
});

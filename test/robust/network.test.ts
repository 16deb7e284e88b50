/**
 * Network robustness: where the server listens, the warning for other interfaces, and a client
 * that vanishes in the middle of a long reverse-continue.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RspClient } from '../../dist/gdb/client.js';
import { GdbServer } from '../../dist/gdb/server.js';
import { loadMachineConfig } from '../../dist/cli/machine-args.js';
import { createSession } from '../../dist/session/session.js';
import { MachineTarget } from '../../dist/session/target.js';
import { ROOT, startServer, type Server } from '../e2e/harness.js';

/** Local addresses (hex, as /proc/net/tcp shows them) of listening sockets on `port`. */
function listeners(port: number): string[] {
  const out: string[] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(f)) continue;
    for (const line of fs.readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue; // 0A = LISTEN
      const [addr, p] = cols[1].split(':');
      if (parseInt(p, 16) === port) out.push(addr);
    }
  }
  return out;
}

describe('network', function () {
  this.timeout(120_000);
  let server: Server | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('rvrr serve listens on 127.0.0.1 only by default, without a warning', async () => {
    server = await startServer(['serve', '--kernel', 'samples/hello/hello.elf', '--console', 'none']);
    expect(server.stderr()).to.match(/listening on 127\.0\.0\.1:\d+/);
    expect(server.stderr()).not.to.match(/warning/);
    expect(listeners(server.port)).to.deep.equal(['0100007F']);
  });

  it('--listen 0.0.0.0 listens on all interfaces and prints a warning', async () => {
    server = await startServer(['serve', '--kernel', 'samples/hello/hello.elf', '--console', 'none', '--listen', '0.0.0.0']);
    expect(server.stderr()).to.match(/rvrr: warning: listening on 0\.0\.0\.0: anyone who can reach this address can control the guest/);
    expect(listeners(server.port)).to.deep.equal(['00000000']);
  });

  it('a client that disconnects in the middle of a long reverse-continue leaves the server usable', async () => {
    const config = loadMachineConfig({ kernel: path.join(ROOT, 'samples/bench/long.elf'), bios: 'none', memory: '128M', smp: 1, 'drive-write': false, 'drive-legacy': false });
    const s = createSession({ config, clockMode: 'virtual' });
    const target = new MachineTarget(s.machine, s.timeline);
    const gdb = new GdbServer(target, { port: 0 });
    await gdb.listen();
    try {
      const a = await RspClient.connect(gdb.port);
      await a.handshake();
      // A few million instructions of history (a guest that never ends): continue, then interrupt.
      const running = a.cont();
      await new Promise((r) => setTimeout(r, 400));
      a.interrupt();
      const stop = await running;
      expect(stop.kind).to.equal('stopped');
      const end = s.timeline.icount;
      expect(end).to.be.greaterThan(1_000_000);
      // A breakpoint that never hits makes reverse-continue scan the whole history.
      await a.insertBreakpoint(0, 0x87fff000, 4);
      a.rawSocket.write('$bc#c5');
      // Close as soon as the search is under way (in the middle of it, not before or after).
      const w0 = Date.now();
      while (!s.timeline.busy && Date.now() - w0 < 5000) await new Promise((r) => setImmediate(r));
      expect(s.timeline.busy, 'reverse-continue did not start').to.equal(true);
      a.rawSocket.destroy();

      const t0 = Date.now();
      const b = await RspClient.connect(gdb.port);
      await b.handshake();
      const halt = await b.haltReason();
      expect(halt.kind).to.equal('stopped');
      const regs = await b.readRegisters();
      expect(regs).to.have.length(33);
      expect(regs.map((v, i) => v === target.readRegister(0, i))).to.deep.equal(regs.map(() => true));
      expect(Date.now() - t0).to.be.lessThan(10_000);
      expect(s.timeline.busy).to.equal(false);
      // The old client's breakpoint is gone and time travel works for the new one.
      expect(s.machine.breakpoints.size).to.equal(0);
      const pos = s.timeline.icount;
      const back = await b.reverseStep();
      expect(back.kind).to.equal('stopped');
      expect(s.timeline.icount).to.equal(pos - 1);
      const fwd = await b.step();
      expect(fwd.kind).to.equal('stopped');
      expect(s.timeline.icount).to.equal(pos);
      b.close();
    } finally {
      await gdb.close();
    }
  });
});

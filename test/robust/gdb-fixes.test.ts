/**
 * Regressions found by the protocol fuzzer (fixed in src/gdb/packet.ts and
 * src/session/target.ts).
 */
import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RspClient } from '../../dist/gdb/client.js';
import { GdbServer } from '../../dist/gdb/server.js';
import { loadMachineConfig } from '../../dist/cli/machine-args.js';
import { createSession } from '../../dist/session/session.js';
import { MachineTarget } from '../../dist/session/target.js';
import { startServer } from '../e2e/harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function helloServer(): Promise<GdbServer> {
  const config = loadMachineConfig({ kernel: path.join(ROOT, 'samples/hello/hello.elf'), bios: 'none', memory: '128M', smp: 1, 'drive-write': false, 'drive-legacy': false });
  const s = createSession({ config, clockMode: 'virtual' });
  const server = new GdbServer(new MachineTarget(s.machine, s.timeline), { port: 0 });
  await server.listen();
  return server;
}

function rawOpen(port: number): Promise<{ sock: Socket; data: () => string }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const sock = connect({ port, host: '127.0.0.1' }, () => resolve({ sock, data: () => buf }));
    sock.on('data', (b: Buffer) => (buf += b.toString('latin1')));
    sock.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('gdb server robustness regressions', function () {
  this.timeout(30_000);
  let server: GdbServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('a Ctrl-C while idle, then `monitor when`, does not stop the next continue at once', async () => {
    server = await helloServer();
    const c = await RspClient.connect(server.port);
    c.interrupt(); // nothing runs: must not linger
    await c.monitor('when');
    const stop = await c.cont();
    expect(stop.raw).to.equal('W00'); // was T02 (SIGINT) before the fix
    c.close();
  });

  it('a lost + (swallowed by a half-sent frame) does not block later replies forever', async () => {
    server = await helloServer();
    const { sock, data } = await rawOpen(server.port);
    sock.write('$qC#b4');
    while (!data().includes('$QC1#c5')) await sleep(5);
    // Our ack lands inside a frame we never finish: the server does not see it.
    sock.write('$m80000000,4+');
    sock.write('#00$qC#b4');
    await sleep(100);
    // Our next packet shows the server we are not waiting for its reply any more: it sends it
    // again; after our ack the reply queued behind it follows.
    sock.write('+');
    await sleep(100);
    sock.write('+');
    await sleep(100);
    expect(data().split('$QC1#c5').length - 1).to.be.greaterThanOrEqual(3);
    sock.destroy();
  });

  it('Ctrl-C stops a range step (vCont;r) looping inside its range (the server was starved)', async () => {
    // Out of process: before the fix the server's event loop never ran again.
    const srv = await startServer(['serve', '--kernel', 'samples/hello/hello.elf', '--console', 'none']);
    try {
      const c = await RspClient.connect(srv.port);
      await c.handshake();
      await c.writeMemory(0x80000100, Uint8Array.from([0x6f, 0, 0, 0])); // j .
      await c.writeRegister(32, 0x80000100n);
      const stop = c.vCont('r80000100,80000104:1');
      setTimeout(() => c.interrupt(), 200);
      const timeout = new Promise<string>((r) => setTimeout(() => r('no stop reply within 5 s'), 5000));
      const got = await Promise.race([stop.then((s) => s.raw), timeout]);
      expect(got).to.match(/^T02thread:1;20:0001008000000000;/);
      c.close();
    } finally {
      srv.proc.kill('SIGKILL'); // a starved server would not handle SIGTERM
    }
  });
});

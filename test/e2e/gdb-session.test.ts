import { expect } from 'chai';
import { RspClient } from '../../dist/gdb/client.js';
import { gdbBatch, useServers } from './harness.js';

const HELLO = 'samples/hello/hello.elf';
/** A guest that runs for about 1e9 instructions: long enough to interrupt. */
const LONG = 'samples/bench/long.elf';

describe('rvrr serve: threads, interrupts, ack mode, kill', function () {
  this.timeout(180_000);
  const serve = useServers();

  it('harts are threads: info threads, thread 2, stepi and reverse-stepi on hart 1', async () => {
    const server = await serve(['serve', '--kernel', HELLO, '--smp', '2', '--quantum', '1000', '--console', 'none']);
    const out = await gdbBatch(server.port, HELLO, [
      'info threads', 'thread 2', 'p $mhartid', 'stepi', 'stepi', 'stepi', 'p $a0', 'reverse-stepi', 'p/x $pc', 'info threads',
    ]);
    expect(out).to.match(/^\* 1\s+Thread 1 "hart 0" 0x0000000000001000 in \?\? \(\)$/m);
    expect(out).to.match(/^  2\s+Thread 2 "hart 1" 0x0000000000001000 in \?\? \(\)$/m);
    expect(out).to.match(/\[Switching to thread 2 \(Thread 2\)\]/);
    expect(out).to.match(/^\$1 = 1$/m);
    expect(out).to.match(/^0x000000000000100c in \?\? \(\)$/m);
    expect(out).to.match(/^\$2 = 1$/m); // the boot ROM put mhartid in a0
    expect(out).to.match(/^\$3 = 0x1008$/m);
    expect(out).to.match(/^\* 2\s+Thread 2 "hart 1" 0x0000000000001008 in \?\? \(\)$/m);
  });

  it('reverse-stepi steps back the thread selected with `thread N`, not the one that stopped last', async () => {
    const server = await serve(['serve', '--kernel', HELLO, '--smp', '2', '--quantum', '1000', '--console', 'none']);
    // gdb sends `Hc0` (any thread) before `bs`: the hart to step back is the selected one.
    const out = await gdbBatch(server.port, HELLO, [
      'break square', 'continue', 'delete', 'thread 2', 'stepi', 'stepi', 'monitor when', 'thread 1', 'reverse-stepi', 'monitor when', 'info threads',
    ]);
    // hart 0 ran up to icount 1000 (its quantum), then hart 1 ran two instructions.
    expect(out).to.match(/^icount 1002, virtual time [0-9.]+ s \(mtime \d+\), hart 1$/m);
    expect(out).to.match(/^icount 999, virtual time [0-9.]+ s \(mtime \d+\), hart 0$/m);
    expect(out).to.match(/^\* 1\s+Thread 1 "hart 0" 0x[0-9a-f]+ in uart_putc /m);
    // Before hart 0's last instruction hart 1 had not started yet.
    expect(out).to.match(/^  2\s+Thread 2 "hart 1" 0x0000000000001000 in \?\? \(\)$/m);
  });

  it('works in ack mode too (no QStartNoAckMode)', async () => {
    const server = await serve(['serve', '--kernel', HELLO, '--console', 'none']);
    // `set remote noack-packet off` must come before `target remote`.
    const acked = await gdbBatch(server.port, HELLO, [
      'set remote noack-packet off', `target remote :${server.port}`, 'break square', 'continue', 'p n', 'stepi', 'reverse-stepi', 'p/x $pc',
    ], 120_000, false);
    expect(acked).to.match(/Breakpoint 1, square \(n=1\)/);
    expect(acked).to.match(/^\$1 = 1$/m);
    expect(acked).to.match(/^\$2 = 0x80000156$/m);
  });

  it('Ctrl-C (0x03) stops a running guest at once, at a consistent point; reverse works from there', async () => {
    const server = await serve(['serve', '--kernel', LONG, '--console', 'none']);
    const c = await RspClient.connect(server.port);
    await c.handshake();
    const running = c.cont();
    await new Promise((r) => setTimeout(r, 700));
    const t0 = Date.now();
    c.interrupt();
    const stop = await running;
    expect(Date.now() - t0).to.be.below(2000);
    expect(stop.kind).to.equal('stopped');
    if (stop.kind !== 'stopped') return;
    expect(stop.signal).to.equal(2);
    const pc = stop.registers.get(32)!;
    const back = await c.reverseStep();
    expect(back.kind).to.equal('stopped');
    const fwd = await c.step();
    expect(fwd.kind === 'stopped' && fwd.registers.get(32)).to.equal(pc);
    const when = await c.monitor('when');
    expect(when).to.match(/^icount \d+, virtual time/);
    c.close();
  });

  it('Ctrl-C stops a long reverse-continue promptly, at a real icount', async () => {
    const server = await serve(['serve', '--kernel', LONG, '--console', 'none']);
    const c = await RspClient.connect(server.port);
    await c.handshake();
    const running = c.cont();
    await new Promise((r) => setTimeout(r, 3000));
    c.interrupt();
    await running;
    const end = Number(/icount (\d+)/.exec(await c.monitor('when'))![1]);
    const back = c.reverseContinue(); // no breakpoints: would scan all the way to the start
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    c.interrupt();
    const stop = await back;
    const latency = Date.now() - t0;
    expect(stop.kind === 'stopped' && stop.signal).to.equal(2);
    // 200 ms is the goal on a quiet machine; CI machines are shared, so allow slack here.
    expect(latency).to.be.below(1500);
    const at = Number(/icount (\d+)/.exec(await c.monitor('when'))![1]);
    expect(at).to.be.above(0).and.below(end);
    // The state there is a real point in history: one step back and forth returns to it.
    const regs = await c.readRegisters();
    await c.reverseStep();
    await c.step();
    expect(await c.readRegisters()).to.deep.equal(regs);
    c.close();
  });

  it('Ctrl-C during a long monitor seek: gdb says Quit, the seek stops, the next commands get their own replies', async () => {
    const server = await serve(['serve', '--kernel', LONG, '--console', 'none']);
    // gdb sends nothing on Ctrl-C during a monitor command: it stops waiting and sends its next
    // packet, which tells the server to interrupt the seek and drop its reply.
    const out = await gdbBatch(
      server.port,
      LONG,
      // Long enough that the Ctrl-C comes first, with compiled blocks too (~10 s here).
      ['monitor when', 'monitor seek +3000000000', 'monitor when', 'stepi', 'monitor when'],
      120_000,
      true,
      { interrupt: { when: /^icount 0, /m, delayMs: 1000 }, separateCommands: true },
    );
    expect(out).to.match(/^Quit$/m);
    expect(out).not.to.match(/Invalid remote reply|at icount 3000000000/);
    const at = [...out.matchAll(/^icount (\d+), virtual time/gm)].map((m) => Number(m[1]));
    expect(at).to.have.length(3);
    expect(at[0]).to.equal(0);
    expect(at[1]).to.be.above(0).and.below(3_000_000_000); // a real point where the seek stopped
    expect(at[2]).to.equal(at[1] + 1); // stepi from there
  });

  it('serve --no-jit interprets every instruction, and monitor info says so', async () => {
    const server = await serve(['serve', '--no-jit', '--kernel', HELLO, '--console', 'none']);
    const out = await gdbBatch(server.port, HELLO, ['break square', 'continue', 'monitor info']);
    expect(out).to.match(/^Breakpoint 1, square/m);
    expect(out).to.match(/^block compiler: off \(--no-jit\), every instruction interpreted$/m);
  });

  it('kill ends the server as QEMU does', async () => {
    const server = await serve(['serve', '--kernel', HELLO, '--console', 'none']);
    const exited = new Promise<number | null>((r) => server.proc.once('exit', r));
    await gdbBatch(server.port, HELLO, ['kill']);
    expect(await exited).to.equal(0);
  });
});

/**
 * Real gdb-multiarch batch sessions against the server with the fake target: proves that the
 * target description, stop replies and packet handling are what stock gdb accepts, by
 * asserting on what gdb prints.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { RspClient } from '../../dist/gdb/client.js';
import type { GdbServer } from '../../dist/gdb/server.js';
import { FakeTarget, RAM_BASE, TEST_DEV, asm } from './fake-target.js';
import { makeTarget, runGdb, startServer } from './helpers.js';

let haveGdb = true;
try {
  execFileSync('gdb-multiarch', ['--version']);
} catch {
  haveGdb = false;
}

(haveGdb ? describe : describe.skip)('gdb-multiarch against the server (fake target)', function () {
  this.timeout(60000);
  let target: FakeTarget;
  let server: GdbServer;
  let port: number;

  beforeEach(async () => {
    target = makeTarget(2);
    ({ server, port } = await startServer(target));
  });
  afterEach(async () => {
    await server.close();
  });

  it('shows registers, CSRs decoded, priv, FP registers, and writes a register', async () => {
    const out = await runGdb(port, [
      'info registers',
      'p $mstatus',
      'p/x $misa',
      'p $priv',
      'info registers priv',
      'info all-registers',
      'set $a0 = 1',
      'p $a0',
      'p $mhartid',
    ]);
    expect(out).to.match(/^a0\s+0x80001000\s+2147487744$/m);
    expect(out).to.match(/^sp\s+0x80008000\s+0x80008000$/m);
    expect(out).to.match(/^pc\s+0x80000000\s+0x80000000$/m);
    expect(out).to.match(/^\$1 = 42949672960$/m); // mstatus 0xa00000000
    expect(out).to.match(/^\$2 = 0x800000000014112d$/m);
    expect(out).to.match(/^\$3 = 3$/m);
    expect(out).to.match(/^priv\s+0x3\s+prv:3 \[Machine\]$/m);
    expect(out).to.match(/^ft0\s+\{float = 0, double = 0\}/m);
    expect(out).to.match(/^fcsr\s+0x0\s+NV:0 DZ:0 OF:0 UF:0 NX:0 FRM:0/m);
    expect(out).to.match(/^mstatus\s+0xa00000000\s+SD:0/m);
    expect(out).to.match(/^misa\s+0x800000000014112d\s+RV64ACDFIMSU$/m);
    expect(out).to.match(/^mhartid\s+0x0\s+0$/m);
    expect(out).to.match(/^\$4 = 1$/m);
    expect(target.readRegister(0, 10)).to.equal(1n);
    expect(out).not.to.match(/Remote (failure|replied|communication)|error|warning: (?!No executable)/i);
  });

  it('steps with stepi, examines memory with x, including kernel virtual addresses', async () => {
    target.ram.writeBigUInt64LE(0x1122334455667788n, 0x1000);
    const out = await runGdb(port, ['stepi', 'stepi', 'p $pc', 'x/4xw 0x80000000', 'x/2gx 0xffffffc000001000', 'x/xw 0x10']);
    expect(out).to.match(/^0x0000000080000004 in \?\? \(\)$/m);
    expect(out).to.match(/^\$1 = \(void \(\*\)\(\)\) 0x80000008$/m);
    expect(out).to.match(/^0x80000000:\s+0x00100593\s+0x00158593\s+0x00b53023\s+0x00053603$/m);
    expect(out).to.match(/^0xffffffc000001000:\s+0x1122334455667788\s+0x0000000000000000$/m);
    expect(out).to.match(/Cannot access memory at address 0x10/);
  });

  it('stops at a breakpoint and reports write, read and access watchpoints with values', async () => {
    const out = await runGdb(port, [
      'break *0x80000010',
      'continue',
      'delete 1',
      'watch *(long*)0x80001008',
      'continue',
      'p $pc',
      'delete 2',
      'rwatch *(long*)0x80001000',
      'continue',
      'delete 3',
      'awatch *(long*)0x80001008',
      'continue',
    ]);
    expect(out).to.match(/hit Breakpoint 1, 0x0000000080000010 in \?\? \(\)/);
    expect(out).to.match(/hit Hardware watchpoint 2: \*\(long\*\)0x80001008\s+Old value = 0\s+New value = 7/);
    expect(out).to.match(/^\$1 = \(void \(\*\)\(\)\) 0x80000018$/m); // just after the store
    expect(out).to.match(/hit Hardware read watchpoint 3: \*\(long\*\)0x80001000\s+Value = 8/);
    expect(out).to.match(/hit Hardware access \(read\/write\) watchpoint 4: \*\(long\*\)0x80001008\s+Old value = 7\s+New value = 13/);
  });

  it('accepts reverse-stepi and reverse-continue', async () => {
    const out = await runGdb(port, [
      'stepi',
      'stepi',
      'stepi',
      'reverse-stepi',
      'p $pc',
      'break *0x80000004',
      'reverse-continue',
      'p $pc',
      'reverse-stepi',
      'reverse-stepi',
    ]);
    expect(out).to.match(/^\$1 = \(void \(\*\)\(\)\) 0x80000008$/m);
    expect(out).to.match(/hit Breakpoint 1, 0x0000000080000004/);
    expect(out).to.match(/^\$2 = \(void \(\*\)\(\)\) 0x80000004$/m);
    expect(out).to.match(/No more reverse-execution history\./);
    expect(target.resumes.map((r) => r.kind)).to.include.members(['reverseStep', 'reverseContinue']);
  });

  it('reverse-continues to earlier writes of a watched location, standing at the store', async () => {
    const target1 = makeTarget(1);
    const s = await startServer(target1);
    const out = await runGdb(s.port, [
      'watch *(long*)0x80001008',
      'continue',
      'continue',
      'continue',
      'reverse-continue',
      'p $pc',
      'x/gx 0x80001008',
      'reverse-continue',
      'x/gx 0x80001008',
    ]);
    await s.server.close();
    expect(out).to.match(/Old value = 13\s+New value = 19\s+0x0000000080000018 in/);
    // Backwards gdb shows the later value as "Old" and stands on the store, memory as before it.
    expect(out).to.match(/Old value = 19\s+New value = 13\s+0x0000000080000014 in/);
    expect(out).to.match(/^\$1 = \(void \(\*\)\(\)\) 0x80000014$/m);
    expect(out).to.match(/^0x80001008:\s+0x000000000000000d$/m);
    expect(out).to.match(/Old value = 13\s+New value = 7\s+0x0000000080000014 in/);
    expect(out).to.match(/^0x80001008:\s+0x0000000000000007$/m);
  });

  it('lists harts as threads and switches between them', async () => {
    const out = await runGdb(port, ['info threads', 'thread 2', 'p $mhartid', 'stepi', 'info threads']);
    expect(out).to.match(/^\* 1\s+Thread 1 "hart 0" 0x0000000080000000 in \?\? \(\)$/m);
    expect(out).to.match(/^\s+2\s+Thread 2 "hart 1" 0x0000000080000000 in \?\? \(\)$/m);
    expect(out).to.match(/\[Switching to thread 2 \(Thread 2\)\]/);
    expect(out).to.match(/^\$1 = 1$/m);
    expect(out).to.match(/^\* 2\s+Thread 2 "hart 1" 0x0000000080000004 in \?\? \(\)$/m);
  });

  it('interrupts a running guest on Ctrl-C (SIGINT to gdb)', async () => {
    const out = await runGdb(port, ['continue', 'p $pc'], { interruptAfterMs: 1500 });
    expect(out).to.match(/received signal SIGINT, Interrupt\./);
    expect(out).to.match(/^\$1 = \(void \(\*\)\(\)\) 0x800000[01][0-9a-f]$/m);
    expect(target.history.length).to.be.greaterThan(10000);
  });

  it('runs monitor commands and shows their output', async () => {
    const out = await runGdb(port, ['monitor help', 'monitor info', 'monitor phys on', 'x/xw 0xffffffc000000000', 'monitor nope']);
    expect(out).to.match(/^phys \[on\|off\]\s+gdb memory accesses use physical/m);
    expect(out).to.match(/^fake machine: 2 hart\(s\)/m);
    expect(out).to.match(/^memory accesses use physical addresses$/m);
    expect(out).to.match(/Cannot access memory at address 0xffffffc000000000/);
    expect(out).to.match(/^unknown monitor command 'nope'; try 'monitor help'$/m);
  });

  it('works with acknowledgements (no-ack mode disabled in gdb)', async () => {
    const out = await runGdb(port, ['stepi', 'p $pc', 'x/xw 0x80000000'], { setup: ['set remote noack-packet off'] });
    expect(out).to.match(/^\$1 = \(void \(\*\)\(\)\) 0x80000004$/m);
    expect(out).to.match(/^0x80000000:\s+0x00100593$/m);
  });

  it('refuses a second gdb with a readable message, then accepts one after the first leaves', async () => {
    const first = await RspClient.connect(port);
    await first.handshake();
    const refused = await runGdb(port, ['info registers pc']);
    expect(refused).to.match(/Remote failure reply: E\.rvrr: another debugger is already attached \(one at a time\); detach it first/);
    expect(refused).not.to.match(/^pc\s/m);
    first.close();
    await new Promise((r) => setTimeout(r, 100));
    const ok = await runGdb(port, ['info registers pc', 'detach']);
    expect(ok).to.match(/^pc\s+0x80000000\s+0x80000000$/m);
    expect(ok).to.match(/\[Inferior 1 \(Remote target\) detached\]/);
    const again = await runGdb(port, ['info registers pc']);
    expect(again).to.match(/^pc\s+0x80000000\s+0x80000000$/m);
  });

  it('reports the guest exit code when it powers off', async () => {
    const t = new FakeTarget(1);
    t.load(RAM_BASE, [asm.addi(5, 0, 1), asm.sd(14, 13, 0)]);
    t.writeRegister(0, 13, BigInt(TEST_DEV));
    t.writeRegister(0, 14, 0x3333n | (3n << 16n));
    const s = await startServer(t);
    const out = await runGdb(s.port, ['continue']);
    await s.server.close();
    expect(out).to.match(/\[Inferior 1 \(Remote target\) exited with code 03\]/);
  });
});

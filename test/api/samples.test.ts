import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, RspClient, serve } from '../../dist/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Run a sample script as a user does: `node samples/ts-api/X.mjs`, from another directory. */
function runSample(name: string, cwd = os.tmpdir()): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'samples/ts-api', name)], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('api: the samples/ts-api scripts', function () {
  this.timeout(90_000);

  it('history.mjs prints the bug hunt output, then the history of alice.balance newest first', () => {
    const r = runSample('history.mjs');
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    const expected = fs.readFileSync(path.join(ROOT, 'samples/bughunt/expected.txt'), 'utf8');
    expect(r.stdout).to.equal(
      expected +
        [
          '-- the guest powered off with status 3 after 9653 instructions',
          'alice.balance (at 0x800005f0 <alice+40>) is 63 now; its writes, newest first:',
          '  icount  3642  pc 0x80000210 <remember+54>     600 -> 63',
          '  icount  3620  pc 0x80000268 <deposit+78>      537 -> 600',
          '  icount  2947  pc 0x80000268 <deposit+78>      495 -> 537',
          '  icount  2221  pc 0x80000268 <deposit+78>      195 -> 495',
          '  icount  1548  pc 0x80000268 <deposit+78>      120 -> 195',
          '  icount   822  pc 0x80000268 <deposit+78>      0 -> 120',
          '6 writes; before the first one alice.balance held 0, as loaded from the ELF',
          '',
        ].join('\n'),
    );
  });

  it("readme-example.mjs (README's Scripting example) prints what README shows", () => {
    const r = runSample('readme-example.mjs', ROOT);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal(
      [
        'breakpoint at 0x800002dc <report_corruption> balance = 63n',
        'last write: icount 3642 pc 0x80000210 <remember+54>',
        'before it: 600n storing a4 = 63n',
        'previous write: 0x80000268 <deposit+78> balance 537n',
        'after it: 600n',
        'corrupted! alice.balance is 63 but the ledger adds up to 600 | exit code 3',
        '',
      ].join('\n'),
    );
  });

  it('serve-client.mjs drives `rvrr serve` with RspClient forward and backward', () => {
    const r = runSample('serve-client.mjs');
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    expect(r.stdout.replace(/port \d+/, 'port N')).to.equal(
      [
        'connected to rvrr on port N; stopped at pc 0x1000',
        'continue: swbreak stop in square(n=1) at icount 657',
        'continue: swbreak stop in square(n=2) at icount 1966',
        'continue: swbreak stop in square(n=3) at icount 3275',
        'reverse-continue: swbreak stop in square(n=2) at icount 1966',
        'continue: the program exited with status 0',
        '',
      ].join('\n'),
    );
  });
});

describe('api: serve() a scripted machine to a gdb client', function () {
  this.timeout(60_000);

  it('gdb sees the state the script prepared, and the script sees what gdb did', async () => {
    const m = Machine.fromFiles({ kernel: path.join(ROOT, 'samples/bughunt/bughunt.elf') });
    m.breakpoints.add('audit');
    await m.cont();
    const server = await serve(m, { port: 0 });
    const gdb = await RspClient.connect(server.port);
    try {
      await gdb.handshake();
      expect(await gdb.readRegister(32)).to.equal(BigInt(m.symbol('audit')!));
      const when = await gdb.monitor('when');
      expect(when).to.match(new RegExp(`^icount ${m.icount},`));
      // gdb: watch alice.balance, reverse-continue: stops just after the culprit store (as gdb
      // expects over RSP), then its own reverse step lands on it.
      const balance = m.symbol('alice')! + 40;
      await gdb.insertBreakpoint(2, balance, 8);
      const stop = await gdb.reverseContinue();
      expect(stop.kind === 'stopped' && stop.reason).to.equal('watch');
      await gdb.removeBreakpoint(2, balance, 8);
      await gdb.reverseStep();
      expect(await gdb.readRegister(32)).to.equal(0x80000210n);
      await gdb.detach();
    } finally {
      await server.close();
    }
    // The script takes over where gdb left the machine.
    expect(m.pc).to.equal(0x80000210);
    expect(m.readI64(m.symbol('alice')! + 40)).to.equal(600n);
    const s = await m.runUntilPoweroff();
    expect(s.exitCode).to.equal(3);
  });
});

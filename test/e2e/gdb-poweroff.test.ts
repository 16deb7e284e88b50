/**
 * The end of history when the guest powered off, as a gdb-multiarch user sees it: replaying a
 * recording, forward execution stops there with "No more reverse-execution history." (not an
 * exit) and reverse execution goes on from there; a live `serve` reports the exit (W) once
 * (its notice on rvrr's terminal, not gdb's), and a debugger that connects again finds the machine stopped at the power-off with all its
 * history behind it.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gdbBatch, runCli, useServers } from './harness.js';

const BUG = 'samples/bughunt/bughunt.elf';
/** bughunt's last instruction: `sw a4,0(a5)` in poweroff(), the store to sifive_test. */
const STORE = /=> 0x800001d2 <poweroff\+70>:\tsw\ta4,0\(a5\)/;
/** Where the pc stands at the end: just after that store. */
const END_FRAME = /^poweroff \(status=3\) at bughunt\/\.\.\/common\/virt\.h:69\n69\t    for \(;;\)$/m;
const END_MESSAGE = 'rvrr: end of history: the guest powered off with exit code 3 (its last instruction is just before the pc)';
const CULPRIT = /Old value = 63\s+New value = 600\s+0x0000000080000210 in remember \(a=0x[0-9a-f]+ <alice>, amount=63\) at bughunt\/bughunt\.c:34/;

function count(text: string, s: string): number {
  return text.split(s).length - 1;
}

describe('gdb-multiarch at a guest power-off: the end of history', function () {
  this.timeout(240_000);
  const serve = useServers();
  let rec = '';

  before(() => {
    rec = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-end-')), 'bug.rvrr');
    const r = runCli(['record', '--kernel', BUG, '--output', rec, '--console', 'none']);
    expect(r.code, r.stderr).to.equal(3);
  });

  it('replay: continue stops at the power-off with replaylog:end; reverse execution goes on from there', async () => {
    const server = await serve(['replay', rec, '--console', 'none']);
    const out = await gdbBatch(server.port, BUG, [
      'continue', 'monitor when',
      'reverse-stepi', 'x/i $pc', 'stepi', 'p $pc',
      'watch alice.balance', 'reverse-continue', 'delete', 'continue', 'continue',
    ]);
    expect(out).to.not.match(/exited|not running|No registers/);
    // Each forward run to the end: the reason, then gdb's end-of-history stop at the frame.
    expect(count(out, `${END_MESSAGE}\n\nNo more reverse-execution history.\n`)).to.equal(4);
    expect(count(out, '\n69\t    for (;;)\n')).to.equal(4);
    expect(out).to.match(END_FRAME);
    expect(out).to.match(/^icount 9653, virtual time [0-9.]+ s \(mtime \d+\), hart 0$/m);
    // One instruction back: the store that powered off, not executed yet; stepi is the end again.
    expect(out).to.match(STORE);
    expect(out).to.match(/^\$1 = \(void \(\*\)\(\)\) 0x800001d4 <poweroff\+72>$/m);
    expect(out).to.match(CULPRIT);
  });

  it('replay: a new debugger after the end finds the machine there and goes back', async () => {
    const server = await serve(['replay', rec, '--console', 'none']);
    const first = await gdbBatch(server.port, BUG, ['continue']);
    expect(first).to.contain(`${END_MESSAGE}\n\nNo more reverse-execution history.\n`);
    const out = await gdbBatch(server.port, BUG, ['monitor when', 'break report_corruption', 'reverse-continue', 'p balance']);
    // Connecting shows the frame where the machine stands (not an end-of-history event).
    expect(out).to.match(END_FRAME);
    expect(out).to.not.match(/No more reverse-execution history/);
    expect(out).to.match(/^icount 9653, virtual time/m);
    expect(out).to.match(/Breakpoint 1, report_corruption \(balance=63, expected=600\) at bughunt\/bughunt\.c:\d+/);
    expect(out).to.match(/^\$1 = 63$/m);
  });

  it('serve: the power-off ends the inferior (W); connecting again, its history is still there', async () => {
    const server = await serve(['serve', '--kernel', BUG, '--console', 'none']);
    const out = await gdbBatch(server.port, BUG, [
      'continue', `target remote :${server.port}`, 'monitor when',
      'watch alice.balance', 'reverse-continue', 'delete', 'continue', 'reverse-stepi', 'x/i $pc',
    ]);
    // The live exit, once, as any stub's: gdb's console has only gdb's own line (GDB's
    // testsuite matches `Continuing.` then `[Inferior 1 ... exited ...]`); rvrr's terminal
    // says where it happened and how to get back.
    expect(out).to.contain('[Inferior 1 (Remote target) exited with code 03]\n');
    expect(out).to.not.contain('rvrr: the guest powered off');
    expect(server.stderr()).to.contain(
      'rvrr: the guest powered off with exit code 3 at icount 9653; its history is kept: connect again (target remote) to go back through it\n',
    );
    expect(count(out, 'exited with code')).to.equal(1);
    expect(out).to.not.match(/not running|No registers/);
    // Reconnected: stopped at the power-off, and everything before it can be revisited.
    expect(out).to.match(END_FRAME);
    expect(out).to.match(/^icount 9653, virtual time/m);
    expect(out).to.match(CULPRIT);
    // Back at the power-off, it is the end of history: no second exit.
    expect(out).to.contain(`${END_MESSAGE}\n\nNo more reverse-execution history.\n`);
    expect(out).to.match(STORE);
    // And a new gdb, later, still finds it all.
    const again = await gdbBatch(server.port, BUG, ['monitor when', 'break deposit', 'reverse-continue', 'p amount']);
    expect(again).to.match(/^icount \d+, virtual time/m);
    expect(again).to.match(/Breakpoint 1, deposit \(a=0x[0-9a-f]+ <alice>, amount=63\) at bughunt\/bughunt\.c:\d+/);
    expect(again).to.match(/^\$1 = 63$/m);
  });
});

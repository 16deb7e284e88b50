import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gdbBatch, pcs, runCli, stepThereAndBack, useServers } from './harness.js';

const HELLO = 'samples/hello/hello.elf';
const BUG = 'samples/bughunt/bughunt.elf';
const KERNEL = 'samples/kernel/kernel.elf';

describe('gdb-multiarch reverse debugging against rvrr', function () {
  this.timeout(240_000);
  const serve = useServers();

  it('ten stepi, then ten reverse-stepi return the pcs in reverse order', async () => {
    const server = await serve(['serve', '--kernel', HELLO, '--console', 'none']);
    const out = await gdbBatch(server.port, HELLO, ['break square', 'continue', 'printf "start %lx\\n", $pc', ...stepThereAndBack(10)]);
    const start = pcs(out, 'start');
    const fwd = pcs(out, 'fwd');
    const back = pcs(out, 'back');
    expect(fwd).to.have.length(10);
    expect(back).to.deep.equal([...fwd.slice(0, 9).reverse(), start[0]]);
  });

  it('reverse-stepi across a timer interrupt on the sample kernel', async () => {
    const server = await serve(['serve', '--kernel', KERNEL, '--console', 'none']);
    // Stop at the M-mode trap entry of the first timer interrupt, step a little further into
    // the handler, then walk back out of it to the interrupted instruction.
    const out = await gdbBatch(server.port, KERNEL, [
      'break *m_trap_vector if $mcause == 0x8000000000000007', 'continue', 'printf "mcause %lx\\n", $mcause', 'delete',
      'reverse-stepi', 'printf "interrupted %lx\\n", $pc', 'stepi', 'printf "start %lx\\n", $pc', ...stepThereAndBack(10),
      'reverse-stepi', 'printf "again %lx\\n", $pc',
    ]);
    expect(out).to.match(/^mcause 8000000000000007$/m);
    const fwd = pcs(out, 'fwd');
    const back = pcs(out, 'back');
    const start = pcs(out, 'start');
    expect(start).to.have.length(1);
    expect(fwd).to.have.length(10);
    expect(back).to.deep.equal([...fwd.slice(0, 9).reverse(), start[0]]);
    expect(pcs(out, 'again')).to.deep.equal(pcs(out, 'interrupted'));
  });

  it('reverse-continue goes back to the previous breakpoint hit; replaylog:begin at the start', async () => {
    const server = await serve(['serve', '--kernel', HELLO, '--console', 'none']);
    const out = await gdbBatch(server.port, HELLO, [
      'break square', 'continue', 'continue', 'continue', 'p n', 'reverse-continue', 'p n', 'reverse-continue', 'p n',
      'reverse-continue', 'p/x $pc', 'p total',
    ]);
    expect(out).to.match(/^\$1 = 3$/m);
    expect(out).to.match(/^\$2 = 2$/m);
    expect(out).to.match(/^\$3 = 1$/m);
    expect(out).to.match(/No more reverse-execution history\./);
    expect(out).to.match(/^\$4 = 0x1000$/m);
    expect(out).to.match(/^\$5 = 0$/m);
  });

  it('breakpoint conditions hold in both directions', async () => {
    const server = await serve(['serve', '--kernel', HELLO, '--console', 'none']);
    const out = await gdbBatch(server.port, HELLO, [
      'break square if n == 4', 'continue', 'p n', 'break hello.c:46', 'continue', 'p total', 'condition 1 n == 2', 'reverse-continue', 'p n', 'p total',
    ]);
    expect(out).to.match(/^\$1 = 4$/m);
    expect(out).to.match(/^\$2 = 55$/m);
    expect(out).to.match(/^\$3 = 2$/m);
    expect(out).to.match(/^\$4 = 1$/m);
  });

  it('reverse-finish and reverse-next over calls', async () => {
    const server = await serve(['serve', '--kernel', HELLO, '--console', 'none']);
    const out = await gdbBatch(server.port, HELLO, [
      'break hello.c:34', 'continue', 'p total', 'reverse-next', 'reverse-next', 'p total', 'break square', 'continue', 'reverse-finish', 'p i',
    ]);
    expect(out).to.match(/^\$1 = 1$/m);
    // Back over `total += sq` and over the call to square(): total is 0 again.
    expect(out).to.match(/^32\t        unsigned long sq = square\(i\);/m);
    expect(out).to.match(/^\$2 = 0$/m);
    // Back before the first call: continuing meets square(1) again, and reverse-finish
    // stands on the call instruction in main.
    expect(out).to.match(/Breakpoint 2, square \(n=1\) at hello\/hello\.c:23/);
    expect(out).to.match(/^0x000000008000018e in main \(\) at hello\/hello\.c:32$/m);
    expect(out).to.match(/^\$3 = 1$/m);
  });

  it('bug hunt: watch + reverse-continue lands on the culprit store, then on the write before it', async () => {
    const server = await serve(['serve', '--kernel', BUG, '--console', 'none']);
    const out = await gdbBatch(server.port, BUG, ['source samples/bughunt/find-culprit.gdb']);
    expect(out).to.match(/Old value = 63\s+New value = 600\s+0x0000000080000210 in remember \(a=0x[0-9a-f]+ <alice>, amount=63\) at bughunt\/bughunt\.c:34/);
    expect(out).to.match(/Old value = 600\s+New value = 537\s+0x0000000080000268 in deposit \(a=0x[0-9a-f]+ <alice>, amount=63\) at bughunt\/bughunt\.c:41/);
  });

  it('a debugger write in the past changes history: the new future is recorded', async () => {
    const server = await serve(['serve', '--kernel', HELLO, '--console', 'none']);
    const out = await gdbBatch(server.port, HELLO, [
      'break square', 'continue', 'continue', 'reverse-continue', 'p n', 'set var total = 1000', 'delete', 'break hello.c:46', 'continue', 'p total',
    ]);
    expect(out).to.match(/^\$1 = 1$/m);
    expect(out).to.match(/^\$2 = 1055$/m);
  });

  it('after a change of the past the console shows the new future from where it was changed', async () => {
    const server = await serve(['serve', '--kernel', HELLO, '--console', 'stdio']);
    await gdbBatch(server.port, HELLO, [
      'break square', 'continue', 'continue', 'continue', 'reverse-continue', 'reverse-continue', 'set var total = 1000', 'delete', 'continue',
    ]);
    await server.stop();
    const lines = (n: number, first: number) => Array.from({ length: n }, (_, k) => `  ${k + 1} squared is ${(k + 1) ** 2}, running total ${first + ((k + 1) * (k + 2) * (2 * k + 3)) / 6}\n`);
    // Shown while going forward the first time (up to square(3)), then the changed future.
    expect(server.stdout()).to.equal(['Hello from RISC-V!\n', ...lines(2, 0), ...lines(5, 1000), 'Sum of the first 5 squares: 1055\nBye.\n'].join(''));
  });

  it('record, then replay the file and reverse through it; info summarises it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-rec-'));
    const rec = path.join(dir, 'bug.rvrr');
    const r = runCli(['record', '--kernel', BUG, '--output', rec]);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/recorded \d+ instructions/);
    const info = runCli(['info', rec]);
    expect(info.code).to.equal(0);
    expect(info.stdout).to.match(/bughunt\.elf/);
    const server = await serve(['replay', rec, '--console', 'none']);
    const out = await gdbBatch(server.port, BUG, [
      'break report_corruption', 'continue', 'watch alice.balance', 'reverse-continue', 'delete', 'continue',
    ]);
    expect(out).to.match(/Old value = 63\s+New value = 600\s+0x0000000080000210 in remember/);
    // Forward execution stops at the end of the recorded history.
    expect(out).to.match(/No more reverse-execution history\.\npoweroff \(status=3\) at /);
    expect(out).to.not.match(/exited with code/);
  });
});

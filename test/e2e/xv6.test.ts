/**
 * xv6-riscv, a kernel nobody here wrote (prebuilt in ../shared/guests/xv6-riscv, see its
 * README), run as a user runs it: the shell on a terminal and over a TCP console, on 1 and 3
 * harts, a part of its own usertests, and a kernel debugging session in real gdb-multiarch.
 * Each run writes a fresh copy of its file system image.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startConsoleRun, startTerminalRun, type ConsoleRun } from './console.js';
import { gdbBatch, pcs, ROOT, stepThereAndBack, useServers } from './harness.js';

const XV6 = path.resolve(ROOT, '../shared/guests/xv6-riscv');
const KERNEL = path.join(XV6, 'kernel');
const PROMPT = /\n\$ $/;

/** A fresh copy of xv6's fs.img. */
function freshFs(): string {
  const img = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-xv6-')), 'fs.img');
  fs.copyFileSync(path.join(XV6, 'fs.img'), img);
  return img;
}

/** Shell commands every run types, and what xv6 prints for them (as on QEMU). */
async function shellChecks(run: ConsoleRun): Promise<void> {
  const { con } = run;
  const ls = await con.command('ls');
  expect(ls).to.match(/^usertests\s+2 15 180320\r?$/m);
  expect(ls).to.match(/^console\s+3 19 0\r?$/m);
  await con.command('echo written by the shell > notes');
  expect(await con.command('cat notes')).to.match(/^written by the shell\r?$/m);
  await con.command('mkdir d');
  await con.command('echo second > d/two');
  expect(await con.command('ls d')).to.match(/^two\s+2 \d+ 7\r?$/m);
  // A two-stage pipe: grep the README through cat, count with wc.
  expect(await con.command('cat README | grep xv6 | wc')).to.match(/^5 54 319 ?\r?$/m);
  expect(await con.command('echo a b c | wc')).to.match(/^1 3 6 ?\r?$/m);
}

describe('xv6-riscv (third-party kernel) as on QEMU', function () {
  this.timeout(600_000);
  before(function () {
    if (!fs.existsSync(KERNEL)) throw new Error(`${KERNEL} is missing (../shared/guests/xv6-riscv)`);
  });

  it('1 hart on a terminal: the shell, files, pipes, usertests sbrkbasic, Ctrl-A x', async function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    const run = startTerminalRun(['run', '--kernel', KERNEL, '--drive', freshFs(), '--smp', '1'], PROMPT);
    try {
      await run.con.waitFor(/init: starting sh\r?\n\$ $/, 0, 180_000);
      expect(run.con.text).to.match(/xv6 kernel is booting/);
      expect(run.con.text).not.to.match(/hart 1 starting/);
      await shellChecks(run);
      const ut = await run.con.command('usertests sbrkbasic', 300_000);
      expect(ut).to.match(/test sbrkbasic: OK/);
      expect(ut).to.match(/ALL TESTS PASSED/);
      run.con.type('\x01x');
      expect(await run.exited).to.equal(130);
      expect(run.con.text).to.match(/rvrr: terminated by C-a x/);
    } finally {
      run.kill();
    }
  });

  it('3 harts over a TCP console: all harts start, the shell, usertests pipe1', async () => {
    const run = await startConsoleRun(['run', '--kernel', KERNEL, '--drive', freshFs(), '--smp', '3'], PROMPT);
    try {
      await run.con.waitFor(/init: starting sh\r?\n\$ $/, 0, 180_000);
      expect(run.con.text).to.match(/hart 1 starting/);
      expect(run.con.text).to.match(/hart 2 starting/);
      await shellChecks(run);
      for (const t of ['pipe1']) {
        const ut = await run.con.command(`usertests ${t}`, 300_000);
        expect(ut).to.match(new RegExp(`test ${t}: OK`));
        expect(ut).to.match(/ALL TESTS PASSED/);
      }
    } finally {
      run.kill();
    }
  });

  describe('kernel debugging in gdb-multiarch, 3 harts', () => {
    const serve = useServers();

    it('break sys_write, info threads, stepi and reverse-stepi retrace, watch ticks backwards', async () => {
      const server = await serve(['serve', '--kernel', KERNEL, '--drive', freshFs(), '--smp', '3', '--console', 'none']);
      const out = await gdbBatch(
        server.port,
        KERNEL,
        [
          'break sys_write', 'continue', 'info threads', 'bt 2',
          'printf "start %lx\\n", $pc', ...stepThereAndBack(8),
          'delete', 'watch ticks', 'continue', 'continue', 'reverse-continue', 'p ticks',
        ],
        300_000,
      );
      expect(out).to.match(/Breakpoint 1, sys_write \(\) at kernel\/sysfile\.c:\d+/);
      // Three harts, one thread each; the current one is marked.
      const threads = [...out.matchAll(/^[* ] +(\d) +Thread (\d) "hart (\d)"/gm)].map((m) => `${m[1]}:${m[2]}:${m[3]}`);
      expect(threads).to.deep.equal(['1:1:0', '2:2:1', '3:3:2']);
      expect(out).to.match(/^\* +\d +Thread \d "hart \d" sys_write \(\) at kernel\/sysfile\.c:\d+/m);
      expect(out).to.match(/#1 +0x[0-9a-f]+ in syscall \(\) at kernel\/syscall\.c:\d+/);
      const start = pcs(out, 'start');
      const fwd = pcs(out, 'fwd');
      expect(fwd).to.have.length(8);
      expect(pcs(out, 'back')).to.deep.equal([...fwd.slice(0, 7).reverse(), start[0]]);
      // Forward: two ticks; backward: the second tick undone, values swapped.
      const hits = [...out.matchAll(/Hardware watchpoint 2: ticks\s+Old value = (\d+)\s+New value = (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
      expect(hits).to.have.length(3);
      const [a, b, back] = hits;
      expect(a[1]).to.equal(a[0] + 1);
      expect(b).to.deep.equal([a[1], a[1] + 1]);
      expect(back).to.deep.equal([b[1], b[0]]);
      expect(out).to.match(new RegExp(`^\\$1 = ${b[0]}$`, 'm'));
      expect(out).to.match(/clockintr \(\) at kernel\/trap\.c:\d+/);
    });
  });
});

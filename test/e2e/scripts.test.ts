import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gdbBatch, ROOT, useServers } from './harness.js';

const BUG = 'samples/bughunt/bughunt.elf';

/** gdbinit as committed, pointed at the test server's port instead of :1234. */
function gdbinitFor(port: number): string {
  const text = fs.readFileSync(path.join(ROOT, 'gdbinit'), 'utf8');
  expect(text).to.match(/^target remote :1234$/m);
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-gdbinit-')), 'gdbinit');
  fs.writeFileSync(f, text.replace(/^target remote :1234$/m, `target remote :${port}`));
  return f;
}

describe('gdbinit commands and the sample gdb scripts', function () {
  this.timeout(240_000);
  const serve = useServers();

  it('when, last-write, checkpoint, seek, checkpoints, restart, info-replay, help rvrr', async () => {
    const server = await serve(['serve', '--kernel', BUG, '--console', 'none']);
    const out = await gdbBatch(server.port, BUG, [
      `source ${gdbinitFor(server.port)}`,
      'break report_corruption', 'continue', 'when', 'last-write &alice.balance', 'checkpoint failed', 'seek 3642',
      'checkpoints', 'restart failed', 'info-replay', 'help rvrr',
    ], 120_000, false);
    expect(out).to.match(/^icount 7454, virtual time 0\.000007 s \(mtime 74\), hart 0$/m);
    expect(out).to.match(/^last write to 0x800005f0\.\.\+8: icount 3642, pc 0x80000210, hart 0$/m);
    expect(out).to.match(/^checkpoint failed at icount 7454$/m);
    expect(out).to.match(/^#0  0x0000000080000210 in remember \(a=0x800005c8 <alice>, amount=63\) at bughunt\/bughunt\.c:34$/m);
    expect(out).to.match(/^failed\ticount 7454$/m);
    expect(out).to.match(/^#0  report_corruption \(balance=63, expected=600\) at bughunt\/bughunt\.c:57$/m);
    expect(out).to.match(/^history: icount 0 \.\. 7454 \(live, recording\)$/m);
    expect(out).to.match(/^rvrr user commands/m);
  });

  it("monitor output and gdb's own output come out in the order gdb printed them, whole lines", async () => {
    // gdb prints monitor output (O packets) on stderr a byte at a time and its own output on
    // stdout: read through two pipes they used to interleave at random points.
    const server = await serve(['serve', '--kernel', BUG, '--console', 'none']);
    const n = 200;
    const out = await gdbBatch(server.port, BUG, [
      'set $i = 0', `while $i < ${n}`, '  printf "gdb says %d\\n", $i', '  monitor when', '  set $i = $i + 1', 'end',
    ]);
    const lines = out.split('\n').filter((l) => /gdb says|icount/.test(l));
    const expected: string[] = [];
    for (let i = 0; i < n; i++) expected.push(`gdb says ${i}`, 'icount 0, virtual time 0.000000 s (mtime 0), hart 0');
    expect(lines).to.deep.equal(expected);
  });

  it('with nothing listening on the port, gdbinit still defines the rvrr commands', async () => {
    // A port that was free a moment ago: gdb's `target remote` fails with "Connection refused".
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    // As a user starts it: gdb-multiarch -x gdbinit ELF (then types commands).
    const r = spawnSync('gdb-multiarch', ['-nx', '-batch', '-ex', 'set tcp connect-timeout 1', '-x', gdbinitFor(port), '-ex', 'help when', '-ex', 'help rvrr', BUG], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const out = r.stdout + r.stderr;
    expect(out).to.match(/gdbinit:\d+: Error in sourced command file:\n:\d+: Connection (refused|timed out)/);
    expect(out).to.match(/^Print the current position in history: icount, virtual time and hart\.$/m);
    expect(out).to.match(/^rvrr user commands/m);
  });

  it('samples/history.gdb prints every write of a variable, newest first', async () => {
    const server = await serve(['serve', '--kernel', BUG, '--console', 'none']);
    const out = await gdbBatch(server.port, BUG, ['source samples/history.gdb', 'break audit', 'continue', 'var-history alice.balance']);
    const befores = [...out.matchAll(/^write #(\d) back: before it, alice\.balance was (\d+); stopped at:$/gm)].map((m) => Number(m[2]));
    expect(befores).to.deep.equal([600, 537, 495, 195, 120, 0]);
    expect(out).to.match(/^6 write\(s\) of alice\.balance found$/m);
  });

  it('samples/kernel/context-switches.gdb walks back through process switches', async () => {
    const server = await serve(['serve', '--kernel', 'samples/kernel/kernel.elf', '--console', 'none']);
    const out = await gdbBatch(server.port, 'samples/kernel/kernel.elf', ['source samples/kernel/context-switches.gdb']);
    expect(out).to.match(/=== All processes have exited after 14 timer ticks\. Going back\./);
    const switches = [...out.matchAll(/^=== switch -(\d): pid (\d) -> pid (\d), called from:$/gm)].map((m) => `${m[2]}>${m[3]}`);
    expect(switches).to.deep.equal(['1>2', '2>1', '1>2', '2>1', '1>2', '2>1']);
  });
});

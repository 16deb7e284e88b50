/**
 * Progress of long operations as a user sees it: `O` lines in gdb (throttled) and a progress
 * line on the terminal rvrr runs in.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { RspClient } from '../../dist/gdb/client.js';
import { CLI, ROOT } from './harness.js';

/** samples/bench/long.elf: marker() runs once at the start, then a loop runs for ages. */
const LONG = 'samples/bench/long.elf';
const MARKER = 0x80000054;
/** Long enough to take well over a second, even with wasm blocks (over 1,000 MIPS on this loop). */
const FAR = 4_000_000_000;

describe('progress of long seeks and reverse-continues', function () {
  this.timeout(240_000);

  it('gdb gets throttled progress lines; the terminal shows a progress line that is cleared at the end', async function () {
    // `script` (util-linux) gives rvrr a pseudo-terminal, so its stderr is a TTY.
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    const p = spawn('script', ['-qec', `${process.execPath} ${CLI} serve --kernel ${LONG} --console none --port 0`, '/dev/null'], { cwd: ROOT });
    let tty = '';
    p.stdout.on('data', (b: Buffer) => (tty += b.toString('latin1')));
    try {
      const t0 = Date.now();
      while (!/listening on 127\.0\.0\.1:\d+/.test(tty) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
      const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(tty)![1]);
      const gdb = await RspClient.connect(port);
      await gdb.handshake();
      const seen: { t: number; text: string }[] = [];
      gdb.onOutput = (text) => seen.push({ t: Date.now(), text });

      const s0 = Date.now();
      const out = await gdb.monitor(`seek ${FAR}`);
      const seekMs = Date.now() - s0;
      expect(out).to.match(new RegExp(`at icount ${FAR}\\n$`));
      const seekLines = seen.filter((o) => /^rvrr: seek \d+%\n$/.test(o.text));
      expect(seekMs, 'the seek was too quick to report progress').to.be.greaterThan(1000);
      expect(seekLines.length).to.be.at.least(1);
      // Throttled: at most one line per 500 ms (the rvrr side reports far more often).
      expect(seekLines.length).to.be.at.most(Math.ceil(seekMs / 500) + 1);

      seen.length = 0;
      await gdb.insertBreakpoint(0, MARKER, 4);
      const stop = await gdb.reverseContinue();
      expect(stop.kind === 'stopped' && stop.registers.get(32)).to.equal(BigInt(MARKER));
      expect(seen.some((o) => /^rvrr: reverse-continue \d+%\n$/.test(o.text))).to.equal(true);
      gdb.close();

      // The terminal: the same text on one line rewritten with \r, then cleared. The pty is
      // another channel than gdb's socket: wait for the clearing to come through it.
      const cleared = /\rrvrr: reverse-continue \d+%\x1b\[K(\rrvrr: reverse-continue \d+%\x1b\[K)*\r\x1b\[K/;
      const w0 = Date.now();
      while (!cleared.test(tty) && Date.now() - w0 < 10_000) await new Promise((r) => setTimeout(r, 50));
      expect(tty).to.match(/\rrvrr: seek \d+%\x1b\[K/);
      expect(tty).to.match(/\rrvrr: reverse-continue \d+%\x1b\[K/);
      expect(tty).to.match(/\rrvrr: reverse-continue \d+%\x1b\[K(\rrvrr: reverse-continue \d+%\x1b\[K)*\r\x1b\[K/);
    } finally {
      p.kill('SIGTERM');
    }
  });
});

/**
 * What README.md shows, checked against what rvrr and gdb print: the `npm start` lines, the
 * bug-hunt walkthrough, and the scripting example with its output.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gdbBatch, ROOT, startServer, useServers } from './harness.js';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The fenced block whose first line starts with `first` (without the fences). */
function block(first: string): string[] {
  const blocks = [...README.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1].replace(/\n$/, '').split('\n'));
  const found = blocks.filter((b) => b[0].startsWith(first));
  expect(found, `README block starting with ${first}`).to.have.length(1);
  return found[0];
}

describe('README.md shows what a user sees', function () {
  this.timeout(120_000);
  const serve = useServers();

  it('the two lines `npm start` prints', async () => {
    const shown = block('rvrr: gdb server listening on');
    // package.json's start script, on a free port instead of 1234.
    const start = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start as string;
    const m = /^npm run build && node dist\/cli\.js (.*)$/.exec(start);
    expect(m, start).to.not.equal(null);
    const srv = await startServer([...m![1].split(' '), '--console', 'none']);
    try {
      const printed = srv.stderr().trimEnd().split('\n');
      expect(printed).to.deep.equal(shown.map((l) => l.replaceAll('1234', String(srv.port))));
    } finally {
      await srv.stop();
    }
  });

  it('the keyframe lines `rvrr info` prints for the recording of the sample kernel', () => {
    const shown = block('keyframes: ');
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'rvrr-readme-'));
    try {
      const f = path.join(dir, 'run.rvrr');
      const rec = spawnSync(process.execPath, ['dist/cli.js', 'record', '--kernel', 'samples/kernel/kernel.elf', '--console', 'none', '-o', f], { cwd: ROOT, encoding: 'utf8' });
      expect(rec.status, rec.stderr).to.equal(0);
      const info = spawnSync(process.execPath, ['dist/cli.js', 'info', f], { cwd: ROOT, encoding: 'utf8' });
      expect(info.stdout.trimEnd().split('\n').slice(-shown.length)).to.deep.equal(shown);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the walkthrough: what gdb prints for each command', async () => {
    const shown = block('(gdb) break report_corruption');
    const commands = shown.filter((l) => l.startsWith('(gdb) ')).map((l) => l.slice(6));
    // gdb prints "Continuing." only for commands typed at a terminal, not in batch mode.
    const want = shown.filter((l) => !l.startsWith('(gdb) ') && l !== 'Continuing.');
    const server = await serve(['serve', '--kernel', 'samples/bughunt/bughunt.elf', '--console', 'none']);
    const out = await gdbBatch(server.port, 'samples/bughunt/bughunt.elf', commands);
    const lines = out.split('\n');
    const from = lines.indexOf('0x0000000000001000 in ?? ()') + 1;
    const to = lines.findIndex((l) => l.startsWith('[Inferior 1 (Remote target) detached]'));
    expect(from, out).to.be.greaterThan(0);
    expect(lines.slice(from, to)).to.deep.equal(want);
  });

  it('the scripting example is samples/ts-api/readme-example.mjs and prints what README shows', () => {
    const code = block("import { Machine } from 'rvrr';");
    const sample = fs.readFileSync(path.join(ROOT, 'samples/ts-api/readme-example.mjs'), 'utf8').trimEnd().split('\n');
    expect(sample.filter((l) => !l.startsWith('//'))).to.deep.equal(code);
    const shown = block('$ node samples/ts-api/readme-example.mjs');
    const r = spawnSync(process.execPath, ['samples/ts-api/readme-example.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).to.equal('');
    expect(r.stdout.trimEnd().split('\n')).to.deep.equal(shown.slice(1));
  });
});

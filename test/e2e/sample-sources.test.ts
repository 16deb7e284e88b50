/**
 * The committed sample ELFs as a new user gets them, in a clone at any path: gdb shows their
 * source lines, and `make -C samples` rebuilds exactly the committed bytes.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './harness.js';

const ELFS = ['hello/hello.elf', 'bughunt/bughunt.elf', 'kernel/kernel.elf', 'kernel/user.elf'];

/** A copy of samples/ under a fresh directory, as a clone somewhere else would have it. */
function cloneSamples(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-clone-'));
  fs.cpSync(path.join(ROOT, 'samples'), path.join(dir, 'samples'), { recursive: true });
  return dir;
}

describe('sample ELFs in a clone at another path', function () {
  this.timeout(120_000);

  it('gdb, run from the clone, finds the C sources of each sample there', () => {
    const dir = cloneSamples();
    for (const [elf, fn, src] of [
      ['samples/hello/hello.elf', 'square', 'hello/hello.c'],
      ['samples/bughunt/bughunt.elf', 'report_corruption', 'bughunt/bughunt.c'],
      ['samples/kernel/kernel.elf', 's_main', 'kernel/main.c'],
    ]) {
      const r = spawnSync('gdb-multiarch', ['-nx', '-batch', '-ex', `list ${fn}`, '-ex', 'info source', elf], { cwd: dir, encoding: 'utf8' });
      expect(r.stdout + r.stderr).not.to.match(/No such file or directory/);
      expect(r.stdout, r.stdout + r.stderr).to.include(`Located in ${path.join(dir, 'samples', src)}\n`);
    }
  });

  it('make -C samples rebuilds the committed bytes (no build path in the debug info)', () => {
    if (spawnSync('riscv64-unknown-elf-gcc', ['--version']).status !== 0) {
      throw new Error('riscv64-unknown-elf-gcc is missing (apt-get install gcc-riscv64-unknown-elf)');
    }
    const dir = cloneSamples();
    const r = spawnSync('make', ['-B', '-C', path.join(dir, 'samples'), ...ELFS], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    for (const f of ELFS) {
      const same = fs.readFileSync(path.join(dir, 'samples', f)).equals(fs.readFileSync(path.join(ROOT, 'samples', f)));
      expect(same, `samples/${f} rebuilt in ${dir} differs from the committed one`).to.equal(true);
    }
  });
});

/**
 * The READMEs tell a newcomer what is in samples/ and how to boot Linux: every sample folder
 * is listed in both tables, and README.md carries the Linux recipe with the same run command
 * that samples/linux/build.sh prints when it is done.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (f: string): string => fs.readFileSync(path.join(ROOT, f), 'utf8');

/** Sample folders a user would look for (samples/common holds code the others share). */
const sampleDirs = fs.readdirSync(path.join(ROOT, 'samples'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'common')
  .map((d) => d.name);

/** The first column of every table row: `| \`name\` | ... |`. */
function tableNames(md: string): string[] {
  return [...md.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
}

describe('READMEs: the samples and the Linux recipe', () => {
  it('README.md lists every sample folder', () => {
    const names = tableNames(read('README.md'));
    for (const d of sampleDirs) expect(names, `samples/${d}/ in README.md`).to.include(`samples/${d}/`);
  });

  it('samples/README.md lists every sample folder', () => {
    const names = tableNames(read('samples/README.md'));
    for (const d of sampleDirs) expect(names, `${d}/ in samples/README.md`).to.include(`${d}/`);
  });

  it("README.md gives the Linux recipe: build.sh, then the run command build.sh prints", () => {
    const readme = read('README.md');
    expect(readme).to.include('samples/linux/build.sh');
    expect(readme).to.include('linux-source-6.1');
    const oneLine = (s: string): string => s.replace(/\s*\\\n\s*/g, ' ');
    const run = /node dist\/cli\.js run --bios opensbi --kernel \S+\/arch\/riscv\/boot\/Image --initrd \S+\/initramfs\.cpio\.gz --append console=ttyS0 --memory 256M --smp 4 --drive \S+\/disk\.ext2/;
    expect(oneLine(readme)).to.match(run);
    // build.sh echoes the same command with its work directory (default /tmp/linux).
    const printed = read('samples/linux/build.sh').replace(/\s*\\\\"\n\s*echo "\s*/g, ' ')
      .replace(/\$src/g, '/tmp/linux/linux-source-6.1').replace(/\$work/g, '/tmp/linux');
    const inReadme = oneLine(readme).match(run)![0];
    expect(printed).to.include(inReadme);
  });
});

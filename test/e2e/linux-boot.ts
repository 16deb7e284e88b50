#!/usr/bin/env node
/**
 * `npm run linux-boot [-- --smp 1,2,4] [-- --dir /tmp/linux] [-- --no-qemu]`: boots the Linux
 * sample (built by samples/linux/build.sh) with its ext2 disk on rvrr, recording as a user's
 * `rvrr run` does, and on QEMU 7.2, for each hart count; checks that init's report (its
 * `init:` lines) is the same on both and says every job passed, and prints wall times side by
 * side with their ratio. Exits non-zero unless every boot passed and matched.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { CLI, ROOT } from './harness.js';
import { linuxFiles, qemuLinuxArgs, rvrrLinuxArgs, type LinuxFiles } from './linux-files.js';

interface Boot {
  ms: number;
  init: string[];
  ok: boolean;
  why?: string;
}

/** One boot to power-off; host time is fine here (a benchmark script, not the emulator). */
function boot(cmd: string, args: string[], limitMs: number): Boot {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'latin1', timeout: limitMs, maxBuffer: 64 << 20 });
  const ms = Date.now() - t0;
  const out = r.stdout ?? '';
  const init = out.split(/\r?\n/).filter((l) => l.startsWith('init: '));
  let why: string | undefined;
  if (r.error) why = r.error.message;
  else if (r.status !== 0) why = `exit status ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}`;
  else if (!/reboot: Power down/.test(out)) why = 'no "reboot: Power down"';
  else if (!init.includes('init: all jobs ok, powering off')) why = 'init did not report all jobs ok';
  return { ms, init, ok: why === undefined, why };
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * init's report as compared: the pid of init's child depends on how many kernel threads
 * the boot had started by then (kworkers come and go with timing), so it differs with the
 * interleaving of the harts (rvrr's quantum, QEMU's host threads) without anything being wrong.
 */
function comparable(init: string[]): string {
  return init.join('\n').replace(/init's child \d+/g, "init's child N");
}

function main(): void {
  const files: LinuxFiles = linuxFiles(flag('--dir'));
  const missing = [files.image, files.initrd, files.disk].filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: run samples/linux/build.sh first`);
  const counts = (flag('--smp') ?? '1,2,4').split(',').map(Number);
  const limitMs = Number(flag('--limit-s') ?? 600) * 1000;
  const hasQemu = !process.argv.includes('--no-qemu') && spawnSync('qemu-system-riscv64', ['--version']).status === 0;
  console.log(`Linux sample (${files.image}) to power-off, ext2 disk attached`);
  console.log('harts   rvrr (s)   QEMU (s)   rvrr/QEMU   init report');
  let ok = true;
  for (const n of counts) {
    const r = boot(process.execPath, [CLI, ...rvrrLinuxArgs(files, n)], limitMs);
    const q = hasQemu ? boot('qemu-system-riscv64', qemuLinuxArgs(files, n), limitMs) : undefined;
    let report = r.ok ? 'all jobs ok' : `rvrr FAILED (${r.why})`;
    if (q && !q.ok) report += `; QEMU FAILED (${q.why})`;
    else if (q && r.ok && comparable(q.init) !== comparable(r.init)) {
      report += ', DIFFERS from QEMU';
      console.log(`rvrr:\n  ${r.init.join('\n  ')}\nQEMU:\n  ${q.init.join('\n  ')}`);
    } else if (q && r.ok) report += ', same as QEMU';
    ok &&= r.ok && (!q || (q.ok && /same as QEMU/.test(report)));
    const s = (b: Boot | undefined): string => (b ? (b.ms / 1000).toFixed(2) : '-').padStart(8);
    const ratio = q ? `${(r.ms / q.ms).toFixed(1)}x`.padStart(9) : '-'.padStart(9);
    console.log(`${String(n).padStart(5)}   ${s(r)}   ${s(q)}   ${ratio}   ${report}`);
  }
  process.exitCode = ok ? 0 : 1;
}

main();

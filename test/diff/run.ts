/**
 * Command line for the differential harness:
 *   node dist-test/diff/run.js ELF [--fpu] [--max N]    compare our emulator with QEMU
 *   node dist-test/diff/run.js ELF [--fpu] --qemu-only  parse QEMU's trace only (speed check)
 */
import { diffAgainstQemu, formatDiff } from './diff.js';
import { runQemuTrace } from './qemu-trace.js';

const args = process.argv.slice(2);
const elf = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
if (!elf) { console.error('usage: run.js ELF [--fpu] [--max N] [--qemu-only]'); process.exit(2); }
const fpu = args.includes('--fpu');
const maxIdx = args.indexOf('--max');
const maxSteps = maxIdx >= 0 ? Number(args[maxIdx + 1]) : undefined;
const t0 = Date.now();
if (args.includes('--qemu-only')) {
  let pcs = 0;
  const r = await runQemuTrace({ kernel: elf, fpu }, (s) => { pcs ^= s.pc[0] ^ s.x[20]; return true; });
  console.log(`${elf}: ${r.records} records in ${((Date.now() - t0) / 1000).toFixed(1)} s, exit ${r.exitCode} (${pcs})`);
  process.stdout.write(r.console);
} else {
  const r = await diffAgainstQemu({ elf, fpu, maxSteps });
  console.log(formatDiff(elf, r));
  process.exit(r.divergence ? 1 : 0);
}

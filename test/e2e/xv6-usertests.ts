#!/usr/bin/env node
/**
 * `npm run xv6-usertests [-- --smp N] [-- --no-qemu] [-- --rvrr-args '...']`: xv6-riscv's whole
 * `usertests -q` (../shared/guests/xv6-riscv) on rvrr, recording as a user's `rvrr run` does,
 * then on QEMU 7.2 with the same kernel, image and hart count; prints both wall times (boot
 * to `$ `, then usertests to ALL TESTS PASSED) and their ratio. Too long for `npm test`.
 * Each run gets a fresh copy of fs.img. Exits non-zero unless every run passed.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConsoleSession, startConsoleRun } from './console.js';
import { ROOT } from './harness.js';

const XV6 = path.resolve(ROOT, '../shared/guests/xv6-riscv');
const PROMPT = /\n\$ $/;

interface Times {
  bootMs: number;
  testsMs: number;
  failed: string[];
  /** What usertests printed (to show where a failure happened). */
  output: string;
}

function freshFs(): string {
  const img = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-xv6-')), 'fs.img');
  fs.copyFileSync(path.join(XV6, 'fs.img'), img);
  return img;
}

/** Boot to the prompt, run usertests -q, time both (host time: this is a benchmark script). */
async function drive(con: ConsoleSession, t0: number, limitMs: number): Promise<Times> {
  await con.waitFor(/init: starting sh\r?\n\$ $/, 0, limitMs);
  const t1 = Date.now();
  const out = await con.command('usertests -q', limitMs);
  const t2 = Date.now();
  // A failing test's own messages come between its `test NAME: ` and FAILED.
  const failed = out.split(/^(?=test \w+: )/m).filter((t) => t.startsWith('test ') && /(^|: )FAILED\r?$/m.test(t)).map((t) => /^test (\w+)/.exec(t)![1]!);
  if (!/ALL TESTS PASSED/.test(out)) failed.push(/SOME TESTS FAILED/.test(out) ? 'SOME TESTS FAILED' : 'no verdict');
  return { bootMs: t1 - t0, testsMs: t2 - t1, failed, output: out };
}

async function onRvrr(smp: number, extra: string[], limitMs: number): Promise<Times> {
  const t0 = Date.now();
  const run = await startConsoleRun(['run', '--kernel', path.join(XV6, 'kernel'), '--drive', freshFs(), '--smp', String(smp), ...extra], PROMPT);
  try {
    return await drive(run.con, t0, limitMs);
  } finally {
    run.kill();
  }
}

async function onQemu(smp: number, limitMs: number): Promise<Times> {
  const args = ['-machine', 'virt', '-bios', 'none', '-kernel', path.join(XV6, 'kernel'), '-m', '128M', '-smp', String(smp), '-nographic',
    '-global', 'virtio-mmio.force-legacy=false', '-drive', `file=${freshFs()},if=none,format=raw,id=x0`,
    '-device', 'virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0'];
  const t0 = Date.now();
  const q = spawn('qemu-system-riscv64', args, { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    return await drive(new ConsoleSession(q.stdin!, q.stdout!, PROMPT), t0, limitMs);
  } finally {
    q.kill('SIGKILL');
  }
}

/** The last lines usertests printed, indented. */
function tail(out: string, lines = 15): string {
  return out.trimEnd().split(/\r?\n/).slice(-lines).map((l) => `    | ${l}`).join('\n');
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(XV6, 'kernel'))) throw new Error(`${XV6}/kernel is missing`);
  const smp = Number(flag('--smp') ?? 3);
  const extra = (flag('--rvrr-args') ?? '').split(/\s+/).filter(Boolean);
  const limitMs = Number(flag('--limit-s') ?? 3600) * 1000;
  const hasQemu = !process.argv.includes('--no-qemu') && spawnSync('qemu-system-riscv64', ['--version']).status === 0;
  const fmt = (t: Times): string => `boot ${(t.bootMs / 1000).toFixed(1)} s, usertests -q ${(t.testsMs / 1000).toFixed(1)} s, ${t.failed.length ? 'FAILED: ' + t.failed.join(' ') : 'ALL TESTS PASSED'}`;
  console.log(`xv6-riscv usertests -q, ${smp} hart(s)`);
  const r = await onRvrr(smp, extra, limitMs);
  console.log(`  rvrr: ${fmt(r)}`);
  if (r.failed.length) console.log(tail(r.output));
  let ok = r.failed.length === 0;
  if (hasQemu) {
    const q = await onQemu(smp, limitMs);
    console.log(`  qemu: ${fmt(q)}`);
    if (q.failed.length) console.log(tail(q.output));
    console.log(`  rvrr/qemu wall time: boot ${(r.bootMs / q.bootMs).toFixed(1)}x, usertests ${(r.testsMs / q.testsMs).toFixed(1)}x`);
    ok &&= q.failed.length === 0;
  }
  process.exit(ok ? 0 : 1);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
});

/**
 * `npm run bench`: rvrr's speed measured side by side with QEMU on the same guests
 * (samples/bench), printed as a table and written to bench-results.json.
 *
 *   node dist/bench/bench.js [--quick] [--no-qemu] [--only int,fp] [--no-forward] [--no-reverse]
 *                            [--no-recording] [--recording-insns 1e10] [--no-xv6] [--xv6-insns 1e10]
 *                            [--xv6-cache DIR] [--xv6-dir DIR] [--no-history]
 *                            [--max-seconds 300] [--json bench-results.json]
 *
 * --quick runs the small guest variants and shallow histories (under a minute); the numbers
 * are then only a smoke test. --no-forward skips the forward-speed section (to run only the
 * recording and keyframe figures). The xv6 rows need ../shared/guests/xv6-riscv beside the
 * clone (skipped with a message without it); --xv6-cache keeps their recordings for next time. The machine is shared and noisy: compare ratios from one run.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { FORWARD_GUESTS, forwardElfs, guestPath, loadGuest, LONG_GUEST, NOP_GUEST, parsePassReport, symbolAddress } from './guests.js';
import { runNoRecord, runPaired, type RecordRun, type RvrrRun } from './forward.js';
import { bestQemu, qemuVersion } from './qemu.js';
import { runReverse, type ReverseResults } from './reverse.js';
import { runRecordingBench, type RecordingResults } from './recording.js';
import { runHistoryBench, type HistoryResults } from './history.js';
import { runXv6RecordingBench, XV6_DIR, xv6Missing, type Xv6Results } from './recording-xv6.js';
import { fmt, fmtBytes, percentile, table } from './stats.js';

/** Command-line options. */
export interface BenchArgs {
  quick: boolean;
  qemu: boolean;
  reverse: boolean;
  /** The recording-file row (keyframes), and how long a recording it makes. */
  recording: boolean;
  recordingInsns: number;
  /** The forward-speed section. */
  forward: boolean;
  /** The xv6 recording rows, their length, where their recordings are cached, where xv6 is. */
  xv6: boolean;
  xv6Insns: number;
  xv6Cache: string | undefined;
  xv6Dir: string;
  /** The history-file row (`--history-file` under a small snapshot budget). */
  history: boolean;
  only: string[] | null;
  maxSeconds: number;
  json: string;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const a: BenchArgs = {
    quick: false, qemu: true, reverse: true, recording: true, recordingInsns: 1e10, forward: true, xv6: true, xv6Insns: 1e10, xv6Cache: undefined, xv6Dir: XV6_DIR,
    history: true, only: null, maxSeconds: 300, json: 'bench-results.json',
  };
  let insnsGiven = false;
  let xv6InsnsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') a.quick = true;
    else if (arg === '--no-qemu') a.qemu = false;
    else if (arg === '--no-reverse') a.reverse = false;
    else if (arg === '--no-recording') a.recording = false;
    else if (arg === '--no-history') a.history = false;
    else if (arg === '--no-forward') a.forward = false;
    else if (arg === '--no-xv6') a.xv6 = false;
    else if (arg === '--xv6-cache') a.xv6Cache = value();
    else if (arg === '--xv6-dir') a.xv6Dir = value();
    else if (arg === '--xv6-insns') {
      a.xv6Insns = Number(value());
      xv6InsnsGiven = true;
      if (!Number.isSafeInteger(a.xv6Insns) || a.xv6Insns < 1e8) throw new Error('--xv6-insns needs an integer of at least 1e8');
    }
    else if (arg === '--recording-insns') {
      a.recordingInsns = Number(value());
      insnsGiven = true;
      if (!Number.isSafeInteger(a.recordingInsns) || a.recordingInsns < 1e6) throw new Error('--recording-insns needs an integer of at least 1e6');
    }
    else if (arg === '--only') {
      a.only = value().split(',');
      const bad = a.only.filter((n) => !FORWARD_GUESTS.some((g) => g.name === n));
      if (bad.length > 0) throw new Error(`unknown guest ${bad.join(', ')} (guests: ${FORWARD_GUESTS.map((g) => g.name).join(', ')})`);
    } else if (arg === '--max-seconds') {
      a.maxSeconds = Number(value());
      if (!(a.maxSeconds > 0)) throw new Error('--max-seconds needs a positive number');
    } else if (arg === '--json') a.json = value();
    else throw new Error(`unknown option ${arg} (options: --quick --no-qemu --no-forward --no-reverse --no-recording --no-history --recording-insns N --no-xv6 --xv6-insns N --xv6-cache DIR --xv6-dir DIR --only LIST --max-seconds N --json FILE)`);
  }
  if (a.quick && a.maxSeconds === 300) a.maxSeconds = 50;
  if (a.quick && !insnsGiven) a.recordingInsns = 2e7;
  if (a.quick && !xv6InsnsGiven) a.xv6Insns = 4e8;
  return a;
}

/** One forward-speed row. */
export interface ForwardRow {
  guest: string;
  what: string;
  /** Harts of the machine (rvrr and QEMU `-smp`). */
  harts: number;
  /** Instructions of the rvrr runs (2 passes), of one pass, and of the QEMU run (fixed part + N passes). */
  instructions: number;
  instructionsPerPass: number;
  qemuInstructions: number | null;
  rvrrRecordMips: number;
  rvrrNoRecordMips: number;
  /** Recording speed / speed without recording, timed side by side (median over runs; 1 = recording is free). */
  recordOverRaw: number;
  qemuMips: number | null;
  qemuIcountMips: number | null;
  /** rvrr (recording) / QEMU plain TCG, and / QEMU -icount shift=0. */
  ratioVsQemu: number | null;
  ratioVsQemuIcount: number | null;
  /** Recording with the JS block compiler (`--jit=js`), its ratio to -icount, and whether it printed the same. */
  jsRecordMips: number;
  jsRatioVsQemuIcount: number | null;
  jsOutputMatches: boolean;
  /** The same figures by CPU time (user + system) instead of wall clock: steadier on a busy machine. */
  cpu: {
    rvrrRecordMips: number;
    rvrrNoRecordMips: number;
    recordOverRaw: number;
    qemuMips: number | null;
    qemuIcountMips: number | null;
    ratioVsQemu: number | null;
    ratioVsQemuIcount: number | null;
    jsRecordMips: number;
    jsRatioVsQemuIcount: number | null;
  };
  snapshotCount: number;
  snapshotBytes: number;
  logBytesPerSecond: number;
  /** Same console output on rvrr (both modes) and QEMU. */
  outputMatches: boolean;
  output: string;
}

let peakRss = 0;
function sampleRss(): void {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}

const T0 = performance.now();
/** Time after which no more side-by-side pairs are started for a guest (past the minimum). */
const PAIR_SECONDS = 12;
function log(msg: string): void {
  process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(1)}s] ${msg}\n`);
}

async function forwardRows(args: BenchArgs, qemu: string | null): Promise<{ rows: ForwardRow[]; qemuStartupSeconds: number | null; qemuStartupCpuSeconds: number | null }> {
  const reps = args.quick ? 1 : 2;
  let startup: number | null = null;
  let startupCpu: number | null = null;
  if (qemu) {
    const nop = guestPath(NOP_GUEST);
    const a = bestQemu(nop, false, reps + 2);
    const b = bestQemu(nop, true, reps + 2);
    startup = Math.min(a.seconds, b.seconds);
    startupCpu = Math.min(a.cpuSeconds, b.cpuSeconds);
    log(`QEMU start-up + shut-down: ${(startup * 1000).toFixed(0)} ms (${(startupCpu * 1000).toFixed(0)} ms CPU)`);
  }
  if (!args.quick) {
    // Warm V8 up on the small variants first (both ways), so the first timed guest is not charged for it.
    for (const g of FORWARD_GUESTS) if (!args.only || args.only.includes(g.name)) for (const wasm of [true, false]) await runPaired(loadGuest(forwardElfs(g, true).timed), undefined, wasm, g.harts);
    log('warm-up done');
  }
  const rows: ForwardRow[] = [];
  for (const g of FORWARD_GUESTS) {
    if (args.only && !args.only.includes(g.name)) continue;
    const files = forwardElfs(g, args.quick);
    const elf = loadGuest(files.timed);
    // Recording and not recording timed side by side (runPaired), several times: each speed
    // is the fastest of its runs, and what recording costs the median of the pairs' ratios.
    const raws: RvrrRun[] = [];
    const recs: RecordRun[] = [];
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    // Three pairs at least; a 4th and 5th only while under PAIR_SECONDS (the F/D guest is slow).
    const pairsFrom = performance.now();
    const [minPairs, maxPairs] = args.quick ? [2, 2] : [3, 5];
    for (let k = 0; k < maxPairs && (k < minPairs || performance.now() - pairsFrom < PAIR_SECONDS * 1000); k++) {
      const p = await runPaired(elf, undefined, true, g.harts);
      raws.push(p.raw);
      recs.push(p.rec);
      ratios.push(p.rec.mips / p.raw.mips);
      cpuRatios.push(p.rec.cpuMips / p.raw.cpuMips);
      sampleRss();
    }
    const raw = fastest(raws);
    const rec = fastest(recs);
    // The JS block compiler (--jit=js), recording: fewer pairs (its own raw/rec ratio is not reported).
    const jsRecs: RecordRun[] = [];
    for (let k = 0; k < (args.quick ? 1 : 2); k++) jsRecs.push((await runPaired(elf, undefined, false, g.harts)).rec);
    const jsRec = fastest(jsRecs);
    log(`${g.name}: JS block compiler ${jsRec.mips.toFixed(1)} MIPS recording`);
    log(`${g.name}: ${raw.instructions} instructions, ${raw.mips.toFixed(1)} MIPS without recording, ${rec.mips.toFixed(1)} recording, recording/not ${ratios.map((r) => pct(r)).join(' ')}`);
    // One pass, counted (not timed): with the two-pass count, the exact count of any number of passes.
    const one = runNoRecord(loadGuest(files.onePass), undefined, g.harts);
    const perPass = raw.instructions - one.instructions;
    const fixed = one.instructions - perPass;
    const rep2 = parsePassReport(raw.output);
    const rep1 = parsePassReport(one.output);
    if (rec.instructions !== raw.instructions) throw new Error(`${g.name}: ${raw.instructions} instructions without recording, ${rec.instructions} recording`);
    let qemuMips: number | null = null;
    let qemuIcountMips: number | null = null;
    let qemuCpuMips: number | null = null;
    let qemuIcountCpuMips: number | null = null;
    let outputMatches = [...raws, ...recs].every((r) => r.output === raw.output && r.instructions === raw.instructions && r.exitCode === 0) && one.exitCode === 0 &&
      rep2 !== null && rep1 !== null && rep2.passes === 2 && rep1.passes === 1 && rep1.checksum === rep2.checksum;
    let qemuInstructions: number | null = null;
    if (qemu && startup !== null) {
      const plain = bestQemu(files.qemu, false, reps, g.harts);
      const ic = bestQemu(files.qemu, true, reps, g.harts);
      const qr = parsePassReport(plain.output);
      outputMatches &&= qr !== null && rep2 !== null && qr.checksum === rep2.checksum && qr.name === rep2.name &&
        ic.output === plain.output && plain.exitCode === 0 && ic.exitCode === 0;
      if (qr !== null) qemuInstructions = fixed + qr.passes * perPass;
      const n = qemuInstructions ?? NaN;
      const net = (s: number) => s - startup!;
      // A run shorter than QEMU's start-up noise gives no figure rather than a wrong one.
      qemuMips = net(plain.seconds) > 0.005 ? n / net(plain.seconds) / 1e6 : null;
      qemuIcountMips = net(ic.seconds) > 0.005 ? n / net(ic.seconds) / 1e6 : null;
      const netCpu = (s: number) => s - startupCpu!;
      qemuCpuMips = netCpu(plain.cpuSeconds) > 0.005 ? n / netCpu(plain.cpuSeconds) / 1e6 : null;
      qemuIcountCpuMips = netCpu(ic.cpuSeconds) > 0.005 ? n / netCpu(ic.cpuSeconds) / 1e6 : null;
      if (!Number.isFinite(n)) qemuMips = qemuIcountMips = qemuCpuMips = qemuIcountCpuMips = null;
      log(`${g.name}: QEMU ${fmt(qemuMips)} MIPS, -icount shift=0 ${fmt(qemuIcountMips)} MIPS`);
    }
    rows.push({
      guest: g.name,
      what: g.what,
      harts: g.harts,
      instructions: raw.instructions,
      instructionsPerPass: perPass,
      qemuInstructions,
      rvrrRecordMips: rec.mips,
      rvrrNoRecordMips: raw.mips,
      recordOverRaw: percentile(ratios, 50),
      qemuMips,
      qemuIcountMips,
      ratioVsQemu: qemuMips ? rec.mips / qemuMips : null,
      ratioVsQemuIcount: qemuIcountMips ? rec.mips / qemuIcountMips : null,
      jsRecordMips: jsRec.mips,
      jsRatioVsQemuIcount: qemuIcountMips ? jsRec.mips / qemuIcountMips : null,
      jsOutputMatches: jsRec.output === rec.output && jsRec.instructions === rec.instructions && jsRec.exitCode === rec.exitCode,
      cpu: {
        rvrrRecordMips: rec.cpuMips,
        rvrrNoRecordMips: raw.cpuMips,
        recordOverRaw: percentile(cpuRatios, 50),
        qemuMips: qemuCpuMips,
        qemuIcountMips: qemuIcountCpuMips,
        ratioVsQemu: qemuCpuMips ? rec.cpuMips / qemuCpuMips : null,
        ratioVsQemuIcount: qemuIcountCpuMips ? rec.cpuMips / qemuIcountCpuMips : null,
        jsRecordMips: jsRec.cpuMips,
        jsRatioVsQemuIcount: qemuIcountCpuMips ? jsRec.cpuMips / qemuIcountCpuMips : null,
      },
      snapshotCount: rec.snapshotCount,
      snapshotBytes: rec.snapshotBytes,
      logBytesPerSecond: rec.logBytesPerSecond,
      outputMatches,
      output: raw.output.trim(),
    });
  }
  return { rows, qemuStartupSeconds: startup, qemuStartupCpuSeconds: startupCpu };
}

/** The runs' fastest wall-clock and fastest CPU-time figures (each run's other fields are the same). */
function fastest<T extends RvrrRun>(runs: readonly T[]): T {
  const byWall = runs.reduce((a, b) => (b.mips > a.mips ? b : a));
  const byCpu = runs.reduce((a, b) => (b.cpuMips > a.cpuMips ? b : a));
  return { ...byWall, cpuSeconds: byCpu.cpuSeconds, cpuMips: byCpu.cpuMips };
}

function pct(v: number | null): string {
  return v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`;
}

function printForward(rows: ForwardRow[]): string {
  return table(
    ['guest', 'Minsn', 'QEMU Minsn', 'rvrr rec', 'rvrr raw', 'rec/raw', 'QEMU', 'QEMU icount', 'rec/QEMU', 'rec/QEMU-ic', 'JS rec', 'JS/QEMU-ic', 'snapshots', 'log B/s', 'output'],
    rows.map((r) => [
      r.guest,
      fmt(r.instructions / 1e6, 1),
      fmt(r.qemuInstructions === null ? null : r.qemuInstructions / 1e6, 0),
      fmt(r.rvrrRecordMips, 2),
      fmt(r.rvrrNoRecordMips, 2),
      pct(r.recordOverRaw),
      fmt(r.qemuMips, 0),
      fmt(r.qemuIcountMips, 0),
      pct(r.ratioVsQemu),
      pct(r.ratioVsQemuIcount),
      fmt(r.jsRecordMips, 2),
      pct(r.jsRatioVsQemuIcount),
      `${r.snapshotCount} / ${fmtBytes(r.snapshotBytes)}`,
      fmt(r.logBytesPerSecond, 0),
      r.outputMatches && r.jsOutputMatches ? 'same' : 'DIFFERS',
    ]),
  );
}

function printForwardCpu(rows: ForwardRow[]): string {
  return table(
    ['guest', 'rvrr rec', 'rvrr raw', 'rec/raw', 'QEMU', 'QEMU icount', 'rec/QEMU', 'rec/QEMU-ic', 'JS rec', 'JS/QEMU-ic'],
    rows.map((r) => [
      r.guest,
      fmt(r.cpu.rvrrRecordMips, 2),
      fmt(r.cpu.rvrrNoRecordMips, 2),
      pct(r.cpu.recordOverRaw),
      fmt(r.cpu.qemuMips, 0),
      fmt(r.cpu.qemuIcountMips, 0),
      pct(r.cpu.ratioVsQemu),
      pct(r.cpu.ratioVsQemuIcount),
      fmt(r.cpu.jsRecordMips, 2),
      pct(r.cpu.jsRatioVsQemuIcount),
    ]),
  );
}

function printReverse(rv: ReverseResults): string {
  const depthRows = rv.depths.map((d) =>
    d.skipped !== undefined
      ? [d.depth.toExponential(0), 'skipped', '', '', '', '', '', '', '']
      : [d.depth.toExponential(0), fmt(d.reverseStep!.p50Ms, 2), fmt(d.reverseStep!.p99Ms, 2), fmt(d.reverseStep!.cpuP99Ms, 2), String(d.reverseStep!.samples),
        fmt(d.seek!.p50Ms, 1), fmt(d.seek!.p99Ms, 1), fmt(d.seek!.cpuP99Ms, 1), String(d.seek!.samples)],
  );
  const lines = [
    table(['history', 'rev-stepi p50 ms', 'p99 ms', 'cpu p99', 'n', 'seek p50 ms', 'p99 ms', 'cpu p99', 'n'], depthRows),
  ];
  for (const d of rv.depths) if (d.skipped !== undefined) lines.push(`  ${d.depth.toExponential(0)} skipped: ${d.skipped}`);
  const rc = rv.reverseContinue;
  lines.push('');
  if ('skipped' in rc) lines.push(`reverse-continue: skipped: ${rc.skipped}`);
  else {
    lines.push(`reverse-continue: ${rc.scanned.toExponential(2)} instructions scanned back (from ${rc.fromIcount} to the hit at ${rc.hitIcount}) in ${rc.seconds.toFixed(2)} s: ` +
      `${(rc.ips / 1e6).toFixed(2)} M insn/s, ${pct(rc.ratioToForward)} of forward recording speed ` +
      `(by CPU time: ${(rc.cpuIps / 1e6).toFixed(2)} M insn/s, ${pct(rc.cpuRatioToForward)})`);
  }
  lines.push(`long guest recording: ${rv.recordMips.toFixed(2)} MIPS (${rv.recordCpuMips.toFixed(2)} by CPU time); at the end of ${rv.historyEnd.toExponential(2)} instructions: ` +
    `${rv.snapshotCount} snapshots holding ${fmtBytes(rv.snapshotBytes)}, log ${fmtBytes(rv.logBytes)} (${rv.logBytesPerSecond.toFixed(1)} B/s of recording)`);
  return lines.join('\n');
}

function printRecording(r: RecordingResults): string {
  const rows = r.variants.map((v) => {
    const p = v.probe;
    const head = [v.name, fmtBytes(v.fileBytes), String(v.keyframes), v.keyframes ? pct(v.keyframeShare) : '-', fmt(v.writeSeconds, 1)];
    if ('failed' in p) return [...head, 'failed', '', '', '', '', ''];
    return [...head, fmt(p.openMs, 0), fmt(p.openSeekEndMs, 0), fmt(p.seekP50Ms, 0), fmt(p.seekP99Ms, 0), fmtBytes(p.maxRssBytes), p.endHashMatches ? 'same' : 'DIFFERS'];
  });
  const lines = [table(['keyframes', 'file', 'count', 'kf/file', 'write s', 'open ms', 'open+seek end ms', 'seek p50 ms', 'p99 ms', 'peak RSS', 'end state'], rows)];
  for (const v of r.variants) {
    lines.push(`  ${v.name}: ${v.rule}`);
    if ('failed' in v.probe) lines.push(`    failed: ${v.probe.failed}`);
  }
  lines.push(`  kf/file: keyframe bytes over the file without them; seek p50/p99: ${r.seeks} seeks to random points after the seek to the end`);
  lines.push('  targets (issue 17, at 1e10): open+seek end <= 2000 ms, seek p99 <= 200 ms, kf/file <= 25%, peak RSS <= 1 GiB');
  return lines.join('\n');
}

function printHistory(h: HistoryResults): string {
  const row = (name: string, p: HistoryResults['without']) =>
    'failed' in p
      ? [name, 'failed', '', '', '', '', '', '']
      : [name, fmt(p.recordSeconds, 1), `${p.snapshotCount} / ${fmtBytes(p.snapshotBytes)}`, p.fileBytes ? `${fmtBytes(p.fileBytes)} (${p.spilled})` : '-',
        fmt(p.seekP50Ms, 0), fmt(p.seekP99Ms, 0), `${p.fileLoads} of ${p.seeks}`, fmtBytes(p.maxRssBytes)];
  const lines = [table(['', 'record s', 'snapshots', 'history file (spilled)', 'seek p50 ms', 'p99 ms', 'from file', 'peak RSS'], [row('without', h.without), row('--history-file', h.withFile)])];
  for (const [n, p] of [['without', h.without], ['--history-file', h.withFile]] as const) if ('failed' in p) lines.push(`  ${n}: failed: ${p.failed}`);
  lines.push(`  seeks to random points in the older half of history; states there ${h.statesMatch ? 'the same' : 'DIFFER'} both ways`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const tStart = performance.now();
  const deadlineMs = tStart + args.maxSeconds * 1000;
  const qemu = args.qemu ? qemuVersion() : null;
  if (args.qemu && !qemu) log('qemu-system-riscv64 not found: QEMU columns are n/a');
  sampleRss();

  const fwd = args.forward ? await forwardRows(args, qemu) : { rows: [], qemuStartupSeconds: null, qemuStartupCpuSeconds: null };
  let reverse: ReverseResults | null = null;
  if (args.reverse) {
    const elf = loadGuest(guestPath(LONG_GUEST));
    reverse = await runReverse({
      kernel: elf,
      marker: symbolAddress(elf, 'marker'),
      depths: args.quick ? [1e5, 1e6, 3e6] : [1e6, 1e8, 1e9],
      reverseContinueDepth: args.quick ? 3e6 : 1e8,
      reverseSteps: args.quick ? 10 : 30,
      seeks: args.quick ? 8 : 20,
      seekSeconds: args.quick ? 3 : 20,
      deadlineMs,
      onPhase: (what) => {
        sampleRss();
        log(what);
      },
    });
  }
  let recording: RecordingResults | null = null;
  if (args.recording) {
    recording = await runRecordingBench({
      kernel: loadGuest(guestPath(LONG_GUEST)),
      instructions: args.recordingInsns,
      seeks: args.quick ? 8 : 30,
      onPhase: (what) => {
        sampleRss();
        log(what);
      },
    });
  }
  let xv6: Xv6Results | { skipped: string } | null = null;
  if (args.xv6) {
    const missing = xv6Missing(args.xv6Dir);
    if (missing) {
      xv6 = { skipped: missing };
      log(`xv6 recording rows skipped: ${missing}`);
    } else {
      xv6 = await runXv6RecordingBench({
        instructions: args.xv6Insns,
        seeks: args.quick ? 8 : 30,
        xv6Dir: args.xv6Dir,
        ...(args.xv6Cache !== undefined ? { cacheDir: args.xv6Cache } : {}),
        onPhase: (what) => {
          sampleRss();
          log(what);
        },
      });
    }
  }
  let history: HistoryResults | null = null;
  if (args.history) {
    history = runHistoryBench({
      instructions: args.quick ? 1e8 : 1e9,
      budgetBytes: 4 << 20,
      seeks: args.quick ? 10 : 30,
      onPhase: (what) => log(what),
    });
  }
  sampleRss();
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;

  const out: string[] = [];
  out.push(`rvrr benchmark${args.quick ? ' (--quick: small guests, numbers are a smoke test)' : ''} — node ${process.version}, ${qemu ?? 'QEMU not installed'}`);
  if (args.forward) {
    out.push('');
    out.push('Forward speed, MIPS (rec = recording live with the virtual clock; raw = machine.run, no recording; rvrr = the default wasm tier, JS = --jit=js)');
    out.push(printForward(fwd.rows));
    out.push(`rvrr: each guest run ${args.quick ? '2 times' : `3 to 5 times (a 4th and 5th while under ${PAIR_SECONDS} s)`} recording and not recording side by side,`);
    out.push('in alternating chunks of 4M instructions; the speeds are the fastest runs, rec/raw the median of their ratios.');
    if (fwd.qemuStartupSeconds !== null) {
      out.push(`QEMU runs the same guest with more identical passes (QEMU Minsn = rvrr's exact count of the fixed part + N passes);`);
      out.push(`its time is the whole process's wall clock minus start-up/shut-down (${(fwd.qemuStartupSeconds * 1000).toFixed(0)} ms, nop guest), fastest of ${args.quick ? 1 : 2}.`);
      const smp = fwd.rows.filter((r) => r.harts > 1).map((r) => `${r.guest} on ${r.harts}`);
      if (smp.length > 0) {
        out.push(`Several harts (${smp.join(', ')}): MIPS count all harts' instructions; QEMU -icount runs the harts round-robin on one`);
        out.push('thread as rvrr does, plain QEMU in parallel on host threads (its wall clock gains from a second core).');
      }
    }
    out.push('');
    out.push('The same by CPU time (user + system; QEMU minus its start-up CPU time): less disturbed by other load');
    out.push(printForwardCpu(fwd.rows));
  } else out.push('(forward speed not measured: --no-forward)');
  if (reverse) {
    out.push('');
    out.push('Reverse execution (long.elf, recorded live)');
    out.push(printReverse(reverse));
  }
  if (recording) {
    out.push('');
    out.push(`Recording files (${recording.guest}, ${recording.instructions.toExponential(2)} instructions recorded live at ${recording.recordMips.toFixed(0)} MIPS; each file opened in a fresh process)`);
    out.push(printRecording(recording));
  }
  if (xv6) {
    out.push('');
    if ('skipped' in xv6) out.push(`Recording files (xv6): skipped: ${xv6.skipped}`);
    else {
      out.push(`Recording files (xv6-riscv on 1 hart, usertests -q typed at the prompt (icount ${xv6.promptIcount.toExponential(2)}); ${xv6.instructions.toExponential(2)} instructions ` +
        `recorded live at ${xv6.recordMips.toFixed(0)} MIPS${xv6.cached ? ', reused from --xv6-cache' : ''}; each file opened in a fresh process)`);
      out.push(printRecording(xv6));
      out.push(`  console at the end of the recording: ${JSON.stringify(xv6.lastConsoleLine)}`);
    }
  }
  if (history) {
    out.push('');
    out.push(`History file (long.elf, ${history.instructions.toExponential(1)} instructions recorded live, --snapshot-memory ${fmtBytes(history.budgetBytes)}; each run in a fresh process)`);
    out.push(printHistory(history));
  }
  out.push('');
  out.push(`peak resident memory: ${fmtBytes(Math.max(peakRss, maxRssBytes))} (maxRSS ${fmtBytes(maxRssBytes)}, max sampled rss ${fmtBytes(peakRss)})`);
  out.push(`total time ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
  console.log(out.join('\n'));

  const results = {
    date: new Date().toISOString(),
    quick: args.quick,
    node: process.version,
    qemu,
    qemuStartupSeconds: fwd.qemuStartupSeconds,
    qemuStartupCpuSeconds: fwd.qemuStartupCpuSeconds,
    forward: fwd.rows,
    reverse,
    recording,
    xv6,
    history,
    memory: { peakRssBytes: Math.max(peakRss, maxRssBytes), maxRssBytes, sampledRssBytes: peakRss },
    totalSeconds: (performance.now() - tStart) / 1000,
  };
  writeFileSync(args.json, JSON.stringify(results, null, 2) + '\n');
  log(`wrote ${args.json}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});

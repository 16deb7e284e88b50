/**
 * The CLI commands: run, record, serve, replay, info, index. Each returns the process exit code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GdbServer } from '../gdb/server.js';
import { formatRecordingSummary, readRecording, summarizeRecording, writeRecording } from '../replay/recording.js';
import { MachineTarget } from '../session/target.js';
import { configFromRecording, replayOptionsOf, replaySessionOf, toRecording, type Session } from '../session/session.js';
import { DEFAULT_KEYFRAME_RULE, seedKeyframes, withKeyframes, type KeyframeRule } from '../session/keyframes.js';
import type { Recording } from '../replay/recording.js';
import { loadMachineConfig, parseSize, type MachineArgs } from './machine-args.js';
import { openLiveSession, writeBackDisk, type ConsoleArgs, type LiveSession } from './live.js';

export interface CommonArgs extends ConsoleArgs {
  'snapshot-memory': string;
  /** `--history-file`: where snapshots thinned by the memory budget go. */
  'history-file'?: string;
  clock?: string;
  /** The compiler tier (--jit=js|wasm); false with --no-jit. */
  jit?: 'js' | 'wasm' | false;
}

const say = (msg: string): void => {
  process.stderr.write(msg + '\n');
};

function historyFileOption(a: CommonArgs): { historyFile?: string } {
  return a['history-file'] !== undefined ? { historyFile: a['history-file'] } : {};
}

function clockMode(a: CommonArgs): 'realtime' | 'virtual' {
  if (a.clock === 'realtime' || a.clock === 'virtual') return a.clock;
  if (a.clock !== undefined) throw new Error(`--clock ${a.clock}: expected realtime or virtual`);
  // Interactive sessions follow host time while the guest idles; batch runs warp at once.
  return process.stdin.isTTY ? 'realtime' : 'virtual';
}

/** Run forward until poweroff or quit; returns the exit code. */
async function runToEnd(s: LiveSession, quit: { requested: boolean }): Promise<number> {
  for (;;) {
    const stop = await s.timeline.runForward({});
    if (stop.reason === 'poweroff') return stop.exitCode ?? s.machine.exitCode ?? 0;
    if (stop.reason === 'interrupted' && quit.requested) return 130;
  }
}

/**
 * Check that a recording can be written to `file` before the guest runs (not after a long
 * run): not a directory, in an existing writable directory.
 */
function checkOutputPath(file: string): void {
  const bad = (why: string): never => {
    throw new Error(`cannot write recording '${file}': ${why}`);
  };
  try {
    if (fs.statSync(file).isDirectory()) bad('is a directory');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const dir = path.dirname(path.resolve(file));
  try {
    if (!fs.statSync(dir).isDirectory()) bad(`'${dir}' is not a directory`);
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') bad(`no directory '${dir}'`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') bad(`directory '${dir}' is not writable`);
    throw e;
  }
}

/** The same file (also through a link), if both exist. */
function sameFile(a: string, b: string): boolean {
  try {
    const x = fs.statSync(a);
    const y = fs.statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

/**
 * Refuse an output (recording, console log) that is one of the input files: writing it would
 * destroy the kernel, firmware, disk or recording the user gave.
 */
function checkOutputsAreNotInputs(outputs: [what: string, file: string | undefined][], inputs: [what: string, file: string | undefined][]): void {
  for (const [ow, of] of outputs) {
    if (of === undefined) continue;
    for (const [iw, inf] of inputs) {
      if (inf !== undefined && sameFile(of, inf)) throw new Error(`${ow} '${of}' is the ${iw} file: give another file name`);
    }
  }
}

function machineInputs(a: MachineArgs): [string, string | undefined][] {
  return [
    ['kernel', a.kernel],
    ['firmware', a.bios === 'none' || a.bios === 'opensbi' ? undefined : a.bios],
    ['disk image', a.drive],
    ['initrd', a.initrd],
  ];
}

/** `run`: boot the machine with the console on the terminal; exit with the guest's code. */
export async function runCommand(a: MachineArgs & CommonArgs, opts: { output?: string; keyframes?: boolean; maxKeyframes?: number } = {}): Promise<number> {
  const rule = keyframeRule(opts.maxKeyframes);
  checkOutputsAreNotInputs([['recording', opts.output], ['console log', a['console-log']], ['history file', a['history-file']]], machineInputs(a));
  // The history file is deleted at exit: it must not be the recording or the console log.
  checkOutputsAreNotInputs([['history file', a['history-file']]], [['recording', opts.output], ['console log', a['console-log']]]);
  if (opts.output !== undefined) checkOutputPath(opts.output);
  const config = loadMachineConfig(a);
  const quit = { requested: false };
  let s: LiveSession | undefined;
  const onQuit = () => {
    quit.requested = true;
    s?.timeline.interrupt();
  };
  s = await openLiveSession(
    { config, clockMode: clockMode(a), snapshotMemory: parseSize(a['snapshot-memory']), ...historyFileOption(a), jit: a.jit !== false, jitWasm: a.jit !== 'js' },
    a,
    onQuit,
  );
  const onSignal = () => onQuit();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const code = await runToEnd(s, quit);
    if (opts.output !== undefined) {
      let rec = toRecording(s);
      let kf = '';
      if (opts.keyframes !== false) {
        try {
          const { recording, report } = await withKeyframes(s.timeline, rec, rule);
          rec = recording;
          kf = `, ${report.written} keyframes (${report.bytes} bytes)`;
          if (report.failure !== undefined) say(`rvrr: warning: keyframes stop at ${report.failure}`);
        } catch (e) {
          // The run is what matters: save it without keyframes (`rvrr index` can add them).
          say(`rvrr: warning: no keyframes: ${(e as Error).message}`);
        }
      }
      await writeRecording(opts.output, rec);
      const i = s.timeline.info();
      say(`rvrr: recorded ${i.endIcount} instructions, ${i.logEntries} input events${kf} to ${opts.output}`);
    }
    if (a['drive-write'] && a.drive !== undefined && !quit.requested) writeBackDisk(s, a.drive);
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await s.closeHost();
  }
}

export interface ServeArgs {
  port: number;
  listen: string;
}

/** Serve gdb over a session until the user quits or gdb kills the inferior. */
async function serveSession(s: LiveSession, a: ServeArgs, what: string, done: Promise<number>, finish: (code: number) => void): Promise<number> {
  const target = new MachineTarget(s.machine, s.timeline, {
    onKill: () => finish(0),
    onExit: (notice) => say(notice),
    // A progress line on the terminal for long reverse operations (only when it is one).
    ...(process.stderr.isTTY ? { onProgress: (t: string | null) => process.stderr.write(t === null ? '\r\x1b[K' : `\r${t}\x1b[K`) } : {}),
  });
  const server = new GdbServer(target, { host: a.listen, port: a.port });
  let addr: { host: string; port: number };
  try {
    addr = await server.listen();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'EADDRINUSE' ? `port ${a.port} on ${a.listen} is in use (try --port 0 for a free one)` : `cannot listen on ${a.listen}:${a.port}: ${(e as Error).message}`,
    );
  }
  if (a.listen !== '127.0.0.1' && a.listen !== 'localhost' && a.listen !== '::1') {
    say(`rvrr: warning: listening on ${a.listen}: anyone who can reach this address can control the guest`);
  }
  const hostPart = addr.host === '127.0.0.1' ? '' : addr.host;
  say(`rvrr: gdb server listening on ${addr.host}:${addr.port}`);
  say(`rvrr: attach with: gdb-multiarch -ex 'target remote ${hostPart}:${addr.port}' ${what}`);
  server.on('connect', (peer: string) => say(`rvrr: gdb connected from ${peer}`));
  server.on('disconnect', () => say('rvrr: gdb disconnected; waiting for the next connection'));
  const code = await done;
  await server.close();
  await s.closeHost();
  return code;
}

export async function serveCommand(a: MachineArgs & CommonArgs & ServeArgs): Promise<number> {
  checkOutputsAreNotInputs([['console log', a['console-log']], ['history file', a['history-file']]], machineInputs(a));
  checkOutputsAreNotInputs([['history file', a['history-file']]], [['console log', a['console-log']]]);
  const config = loadMachineConfig(a);
  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => (finish = r));
  const s = await openLiveSession(
    { config, clockMode: clockMode(a), snapshotMemory: parseSize(a['snapshot-memory']), ...historyFileOption(a), jit: a.jit !== false, jitWasm: a.jit !== 'js' },
    a,
    () => finish(0),
  );
  const onSignal = () => finish(130);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const code = await serveSession(s, a, config.files.kernel ?? '', done, finish);
  if (a['drive-write'] && a.drive !== undefined) {
    // Only a guest that powered off (where the session stands) left its disk consistent;
    // stopping the server mid-run must not write a half-updated image.
    if (s.machine.exitCode !== undefined) writeBackDisk(s, a.drive);
    else say(`rvrr: the guest did not power off: its disk changes are not written back to ${a.drive}`);
  }
  return code;
}

export async function replayCommand(file: string, a: CommonArgs & ServeArgs): Promise<number> {
  checkOutputsAreNotInputs([['console log', a['console-log']], ['history file', a['history-file']]], [['recording', file]]);
  checkOutputsAreNotInputs([['history file', a['history-file']]], [['console log', a['console-log']]]);
  const rec = await readRecording(file);
  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => (finish = r));
  const s = await openLiveSession(
    {
      config: configFromRecording(rec),
      mode: 'replay',
      ...replayOptionsOf(rec),
      snapshotMemory: parseSize(a['snapshot-memory']),
      ...historyFileOption(a),
      clockMode: 'virtual',
      jit: a.jit !== false,
      jitWasm: a.jit !== 'js',
    },
    a,
    () => finish(0),
  );
  const onSignal = () => finish(130);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const seeded = await seedSession(s, rec, (msg) => say(`rvrr: warning: ${file}: ${msg}`));
  say(`rvrr: replaying ${file}: ${rec.endIcount} instructions of history` +
    (rec.keyframes ? `, ${seeded} of ${rec.keyframes.length} keyframes usable` : ', no keyframes (`rvrr index` adds them)'));
  return serveSession(s, a, rec.images.find((i) => i.role === 'kernel')?.name ?? '', done, finish);
}

/** The keyframe rule with `--max-keyframes`. */
function keyframeRule(max: number | undefined): KeyframeRule {
  if (max === undefined) return DEFAULT_KEYFRAME_RULE;
  if (!Number.isInteger(max) || max < 1 || max > 100_000) throw new Error(`--max-keyframes ${max}: expected a whole number from 1 to 100000`);
  return { ...DEFAULT_KEYFRAME_RULE, maxCount: max };
}

/** Seed a replay session's timeline with the recording's keyframes; returns how many were usable. */
async function seedSession(s: Session, rec: Recording, warn: (msg: string) => void): Promise<number> {
  if (!rec.keyframes) return 0;
  const r = await seedKeyframes(s.timeline, rec, { ramPages: s.config.memoryBytes / 4096, harts: s.config.smp }, warn, () => replaySessionOf(rec).timeline);
  return r.used.length;
}

/**
 * `index`: replay a recording once (checking it reaches its recorded final state) and write
 * it with keyframes chosen by the size rule, to `out` or in place (temporary file + rename).
 */
export async function indexCommand(file: string, opts: { output?: string; maxKeyframes?: number } = {}): Promise<number> {
  const rule = keyframeRule(opts.maxKeyframes);
  const rec = await readRecording(file);
  const out = opts.output ?? file;
  if (opts.output !== undefined) checkOutputPath(out);
  const s = replaySessionOf(rec);
  const stop = await s.timeline.runForward();
  if (stop.reason !== 'replaylog-end') throw new Error(`${file}: replay stopped at icount ${stop.icount} (${stop.reason}) before the end of history`);
  const { recording, report } = await withKeyframes(s.timeline, rec, rule);
  await writeRecording(out, recording);
  say(`rvrr: ${out}: ${report.written} keyframes, ${report.bytes} bytes (budget ${report.budget} bytes, ${report.candidates} candidate points)`);
  if (report.failure !== undefined) say(`rvrr: warning: keyframes stop at ${report.failure}`);
  return 0;
}

export async function infoCommand(file: string): Promise<number> {
  const rec = await readRecording(file);
  process.stdout.write(formatRecordingSummary(summarizeRecording(rec)) + '\n');
  return 0;
}

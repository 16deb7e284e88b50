/**
 * End-to-end helpers: start the real CLI (`node dist/cli.js ...`) as a user would and drive it
 * with real gdb-multiarch in batch mode, returning what the user would see.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/cli.js');

export function haveGdb(): boolean {
  return spawnSync('gdb-multiarch', ['--version']).status === 0;
}

/**
 * The arguments of a CLI command as the tests start it: with RVRR_TEST_JIT=js|wasm|off in the
 * environment, the commands that execute a guest get that --jit tier (or --no-jit), so the
 * whole e2e and gdb suite can be run against each execution tier (issue 13: every tier
 * computes the same states, so every test must pass with each). Unset: the default tier.
 */
export function cliArgs(args: readonly string[]): string[] {
  const tier = process.env.RVRR_TEST_JIT;
  if (tier === undefined || tier === '' || !['run', 'serve', 'record', 'replay'].includes(args[0] ?? '')) return [...args];
  if (!['js', 'wasm', 'off'].includes(tier)) throw new Error(`RVRR_TEST_JIT=${tier}: expected js, wasm or off`);
  if (args.some((a) => a === '--no-jit' || a.startsWith('--jit'))) return [...args];
  return [...args, tier === 'off' ? '--no-jit' : `--jit=${tier}`];
}

/** Run the CLI to completion. */
export function runCli(args: string[], opts: { input?: string; timeoutMs?: number } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...cliArgs(args)], {
    cwd: ROOT,
    input: opts.input ?? '',
    timeout: opts.timeoutMs ?? 120_000,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A running `rvrr serve` / `rvrr replay`. */
export interface Server {
  port: number;
  proc: ChildProcess;
  stderr(): string;
  stdout(): string;
  stop(): Promise<void>;
}

/** Start `rvrr <args> --port 0` and wait for its listening line. */
export function startServer(args: string[]): Promise<Server> {
  const proc = spawn(process.execPath, [CLI, ...cliArgs(args), '--port', '0'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 30_000);
    proc.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /gdb server listening on [^:]+:(\d+)\n.*attach with.*\n/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({
          port: Number(m[1]),
          proc,
          stderr: () => err,
          stdout: () => out,
          stop: () =>
            new Promise<void>((res) => {
              if (proc.exitCode !== null) return res();
              proc.once('exit', () => res());
              proc.kill('SIGTERM');
            }),
        });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening: ${err}`));
    });
  });
}

/** Options of gdbBatch. */
export interface GdbBatchOptions {
  /** Send SIGINT to gdb (Ctrl-C) `delayMs` after its output first matches `when`. */
  interrupt?: { when: RegExp; delayMs: number };
  /**
   * Pass the commands as `-ex` arguments instead of a script file: each runs even if the one
   * before failed or was interrupted (a Quit or an error ends a script file).
   */
  separateCommands?: boolean;
}

/**
 * Run gdb-multiarch in batch mode on `elf` against the server; returns what it printed, as a
 * terminal would show it.
 *
 * gdb prints its own output on stdout but monitor output and `O` packets on stderr, one byte
 * per write. Read through two pipes, the two streams interleave at whatever chunks the reader
 * happens to get (under load a stderr line could be cut by stdout text), so both go to one
 * file descriptor, like a terminal: the order is exactly the order gdb wrote them in.
 */
export function gdbBatch(
  port: number,
  elf: string | undefined,
  commands: string[],
  timeoutMs = 120_000,
  connect = true,
  opts: GdbBatchOptions = {},
): Promise<string> {
  // Commands go through a script file so that multi-line commands (while, define) work.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rvrr-gdb-'));
  const script = path.join(dir, 'session.gdb');
  fs.writeFileSync(script, commands.join('\n') + '\n');
  const args = ['-nx', '-batch', '-ex', 'set pagination off', '-ex', 'set confirm off', '-ex', 'set architecture riscv:rv64'];
  if (connect) args.push('-ex', `target remote :${port}`);
  if (opts.separateCommands) for (const c of commands) args.push('-ex', c);
  else args.push('-x', script);
  if (elf !== undefined) args.push(path.resolve(ROOT, elf));
  const outFile = path.join(dir, 'output.txt');
  const fd = fs.openSync(outFile, 'w');
  return new Promise((resolve, reject) => {
    let p: ChildProcess;
    try {
      p = spawn('gdb-multiarch', args, { cwd: ROOT, stdio: ['pipe', fd, fd] });
    } finally {
      fs.closeSync(fd); // the child has its own copy
    }
    const text = (): string => fs.readFileSync(outFile, 'utf8');
    // Ctrl-C as a user types it: SIGINT to gdb, once the output shows the moment has come.
    const irq = opts.interrupt;
    const poll =
      irq &&
      setInterval(() => {
        if (!irq.when.test(text())) return;
        clearInterval(poll);
        setTimeout(() => p.kill('SIGINT'), irq.delayMs);
      }, 20);
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`gdb timed out; output so far:\n${text()}`));
    }, timeoutMs);
    p.on('exit', () => {
      clearTimeout(t);
      if (poll) clearInterval(poll);
      resolve(text());
    });
  });
}

/**
 * Mocha hooks for a describe block whose tests each start a server: gdb-multiarch must be
 * installed, and every server started through the returned function is stopped after its test.
 */
export function useServers(): (args: string[]) => Promise<Server> {
  let running: Server[] = [];
  before(() => {
    if (!haveGdb()) throw new Error('gdb-multiarch is not installed (apt-get install gdb-multiarch)');
  });
  afterEach(async () => {
    await Promise.all(running.map((s) => s.stop()));
    running = [];
  });
  return async (args) => {
    const s = await startServer(args);
    running.push(s);
    return s;
  };
}

/** gdb script: N stepi then N reverse-stepi, printing the pc after each. */
export function stepThereAndBack(n: number): string[] {
  return [
    'set $i = 0', `while $i < ${n}`, '  stepi', '  printf "fwd %lx\\n", $pc', '  set $i = $i + 1', 'end',
    'set $i = 0', `while $i < ${n}`, '  reverse-stepi', '  printf "back %lx\\n", $pc', '  set $i = $i + 1', 'end',
  ];
}

/** The hex values printed after `tag` (by stepThereAndBack's printf lines). */
export function pcs(out: string, tag: string): string[] {
  return [...out.matchAll(new RegExp(`^${tag} ([0-9a-f]+)$`, 'gm'))].map((m) => m[1]);
}

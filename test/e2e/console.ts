/**
 * A guest console as a user reaches it: `rvrr run|serve ... --console tcp:0` connected over
 * TCP, or `rvrr run` on a terminal (a pseudo-terminal from util-linux `script`); type lines,
 * wait for text.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { CLI, ROOT, cliArgs } from './harness.js';

/** A console connection: everything the guest printed, and waits on it. */
export class ConsoleSession {
  text = '';
  private waiters: { re: RegExp; from: number; resolve: () => void }[] = [];
  /** @param prompt what the guest prints when it waits for a command (U-Boot's `=> `, xv6's `$ `) */
  constructor(
    private readonly input: NodeJS.WritableStream,
    output: NodeJS.ReadableStream,
    readonly prompt: RegExp,
    readonly eol = '\r',
  ) {
    output.on('data', (b: Buffer) => {
      this.text += b.toString('latin1');
      this.waiters = this.waiters.filter((w) => {
        if (!w.re.test(this.text.slice(w.from))) return true;
        w.resolve();
        return false;
      });
    });
  }
  /** Wait for `re` to appear in output after position `from`. */
  waitFor(re: RegExp, from: number, ms: number): Promise<void> {
    if (re.test(this.text.slice(from))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}; console so far:\n${this.text}`)), ms);
      this.waiters.push({ re, from, resolve: () => (clearTimeout(t), resolve()) });
    });
  }
  /** Type raw bytes (no end of line added). */
  type(s: string): void {
    this.input.write(s);
  }
  /** Type a command at the prompt and return what it printed up to the next prompt. */
  async command(line: string, ms = 60_000): Promise<string> {
    const from = this.text.length;
    this.type(line + this.eol);
    await this.waitFor(this.prompt, from, ms);
    return this.text.slice(from);
  }
}

/** A running rvrr whose console is on TCP. */
export interface ConsoleRun {
  proc: ChildProcess;
  con: ConsoleSession;
  stderr(): string;
  /** Resolves with the exit code once rvrr exits. */
  exited: Promise<number | null>;
  kill(): void;
}

/** Start `rvrr <args> --console tcp:0` and connect to its console. */
export async function startConsoleRun(args: string[], prompt: RegExp, eol = '\r'): Promise<ConsoleRun> {
  const proc = spawn(process.execPath, [CLI, ...cliArgs(args), '--console', 'tcp:0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const poll = setInterval(() => {
      const m = /console on tcp [^:]+:(\d+)/.exec(err);
      if (m) {
        clearInterval(poll);
        resolve(Number(m[1]));
      }
    }, 10);
    void exited.then((c) => {
      clearInterval(poll);
      reject(new Error(`rvrr exited (${c}): ${err}`));
    });
  });
  const sock = net.connect(port, '127.0.0.1');
  const con = new ConsoleSession(sock, sock, prompt, eol);
  return {
    proc,
    con,
    stderr: () => err,
    exited,
    kill: () => {
      sock.destroy();
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

/**
 * Start `rvrr <args>` on a pseudo-terminal, as from a user's shell (its console is then raw,
 * with the Ctrl-A escapes). Needs util-linux `script`.
 */
export function startTerminalRun(args: string[], prompt: RegExp): ConsoleRun {
  const cmd = [process.execPath, CLI, ...cliArgs(args)].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const proc = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const con = new ConsoleSession(proc.stdin!, proc.stdout!, prompt);
  return {
    proc,
    con,
    stderr: () => err,
    exited,
    kill: () => {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

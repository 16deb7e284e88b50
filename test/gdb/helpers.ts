/** Shared helpers for the gdb tests: a server over a fake target, and running gdb-multiarch. */
import { execFile } from 'node:child_process';
import { GdbServer, type GdbServerOptions } from '../../dist/gdb/server.js';
import { FakeTarget, RAM_BASE, asm } from './fake-target.js';

/** The loop program used by the tests; a0 points at data (RAM_BASE + 0x1000). */
export const PROGRAM = [
  asm.addi(11, 0, 1), // 0x00: li a1, 1
  asm.addi(11, 11, 1), // 0x04: addi a1, a1, 1
  asm.sd(11, 10, 0), // 0x08: sd a1, 0(a0)
  asm.ld(12, 10, 0), // 0x0c: ld a2, 0(a0)
  asm.addi(11, 11, 5), // 0x10: addi a1, a1, 5
  asm.sd(11, 10, 8), // 0x14: sd a1, 8(a0)
  asm.jal(0, -0x14), // 0x18: j 0x04
];
export const DATA = RAM_BASE + 0x1000;

export function makeTarget(harts = 1): FakeTarget {
  const t = new FakeTarget(harts);
  t.load(RAM_BASE, PROGRAM);
  for (let h = 0; h < harts; h++) {
    t.writeRegister(h, 10, BigInt(DATA));
    t.writeRegister(h, 2, BigInt(RAM_BASE + 0x8000)); // sp
  }
  return t;
}

export async function startServer(target: FakeTarget, opts: GdbServerOptions = {}): Promise<{ server: GdbServer; port: number }> {
  const server = new GdbServer(target, { port: 0, ...opts });
  const { port } = await server.listen();
  return { server, port };
}

/** Options of runGdb. */
export interface GdbRunOptions {
  /** Send SIGINT to gdb (as Ctrl-C does) after this many ms. */
  interruptAfterMs?: number;
  /** Commands to run before `target remote`. */
  setup?: string[];
  timeoutMs?: number;
}

/** Run gdb-multiarch in batch mode with the given commands; resolves with stdout + stderr. */
export function runGdb(port: number, commands: string[], opts: GdbRunOptions = {}): Promise<string> {
  const args = ['-nx', '-batch', '-ex', 'set architecture riscv:rv64', '-ex', 'set pagination off'];
  for (const c of opts.setup ?? []) args.push('-ex', c);
  args.push('-ex', `target remote 127.0.0.1:${port}`);
  for (const c of commands) args.push('-ex', c);
  return new Promise((resolve) => {
    const child = execFile('gdb-multiarch', args, { timeout: opts.timeoutMs ?? 30000 }, (_err, stdout, stderr) =>
      resolve(stdout + stderr),
    );
    if (opts.interruptAfterMs !== undefined) setTimeout(() => child.kill('SIGINT'), opts.interruptAfterMs);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Streaming reader of QEMU's per-instruction CPU state log (`-singlestep -d cpu[,fpu],nochain`),
 * as printed by qemu-system-riscv64 7.2: one record per translation block (one instruction with
 * -singlestep), each starting with a ` pc ` line, then CSR lines (` mstatus  0000...`), then the
 * integer registers four per line (` x1/ra    0000...`) and, with `-d fpu`, the FP registers.
 *
 * The log is gigabytes for a million instructions, so it is parsed straight from the pipe's
 * bytes: the first record's layout (field names and byte offsets) is learned once, and every
 * later record of the same length is read at those offsets. A record whose layout differs is
 * parsed field by field (slow path) rather than misread.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, createReadStream, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One QEMU state record: the architectural state BEFORE the instruction at `pc` executes. */
export interface QemuState {
  /** Values as lo/hi 32-bit pairs (lo = index 2k, hi = 2k+1), like the hart's typed arrays. */
  pc: Int32Array;
  /** x0..x31, lo/hi pairs (length 64). */
  x: Int32Array;
  /** f0..f31 raw bits, lo/hi pairs (length 64); only meaningful when `hasF`. */
  f: Int32Array;
  hasF: boolean;
  /** CSR values by QEMU's name (mstatus, mepc, ...), lo/hi pairs. */
  csr: Map<string, Int32Array>;
  /** The record's raw text; valid only during the `onRecord` callback. */
  getText(): string;
}

/** Where a named field lives inside a record of the learned layout. */
interface Field { name: string; offset: number }

function hex8(buf: Buffer, at: number): number {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const c = buf[at + i];
    // '0'..'9' = 48..57, 'a'..'f' = 97..102 (QEMU prints lowercase)
    v = (v << 4) | (c <= 57 ? c - 48 : (c | 0x20) - 87);
  }
  return v | 0;
}

const RECORD_START = Buffer.from(' pc       ');

/** Options for starting QEMU on one ELF. */
export interface QemuTraceOptions {
  qemu?: string;
  kernel: string;
  /** Also log FP registers (`-d fpu`); doubles the log volume. */
  fpu: boolean;
  /** Extra -cpu option; defaults to `rv64,h=false` (no hypervisor CSRs, as our hart). */
  cpu?: string;
  memoryMiB?: number;
  /**
   * Run QEMU with `-icount shift=0`. Default false: it does not make QEMU's cycle CSR equal the
   * instruction count, and every I/O instruction is then logged twice (re-executed).
   */
  icount?: boolean;
}

/**
 * Runs QEMU and hands each parsed record to `onRecord`, synchronously (the pipe is not read
 * while the callback runs, so QEMU is throttled to our speed). `onRecord` returns false to stop
 * (QEMU is then killed). Resolves when QEMU exits, with its exit status and console output.
 */
export function runQemuTrace(
  opts: QemuTraceOptions,
  onRecord: (s: QemuState) => boolean,
): Promise<{ exitCode: number | null; console: string; records: number; stopped: boolean; stderrTail: string }> {
  const args = [
    '-machine', 'virt', '-cpu', opts.cpu ?? 'rv64,h=false', '-m', `${opts.memoryMiB ?? 128}`,
    '-bios', 'none', '-kernel', opts.kernel, '-nographic', '-monitor', 'none',
    '-singlestep', '-d', opts.fpu ? 'cpu,fpu,nochain' : 'cpu,nochain',
    ...(opts.icount ? ['-icount', 'shift=0'] : []),
  ];
  // The log goes through a named FIFO: QEMU then writes it with a fully buffered FILE (on
  // stderr it is unbuffered, ~300-byte writes, 15x slower to read), and nothing hits the disk.
  const dir = mkdtempSync(join(tmpdir(), 'rvrr-diff-'));
  const fifo = join(dir, 'qemu.log');
  const mk = spawnSync('mkfifo', [fifo]);
  if (mk.status !== 0) throw new Error(`mkfifo failed: ${mk.stderr?.toString() ?? mk.error}`);
  // The console goes to a file: QEMU's stdio chardev can lose output still pending at exit.
  const consoleFile = join(dir, 'console.txt');
  args.push('-D', fifo, '-serial', `file:${consoleFile}`);
  const child: ChildProcess = spawn(opts.qemu ?? 'qemu-system-riscv64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createReadStream(fifo, { highWaterMark: 1 << 20 });
  const cleanup = (): void => { try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ } };
  const state: QemuState = {
    pc: new Int32Array(2), x: new Int32Array(64), f: new Int32Array(64), hasF: false,
    csr: new Map(), getText: () => current.toString('latin1'),
  };
  let current: Buffer = Buffer.alloc(0);
  let layout: { length: number; fields: Field[] } | undefined;
  let pending: Buffer = Buffer.alloc(0);
  let records = 0;
  let stopped = false;
  let consoleText = '';
  let junk = '';

  const fieldsOf = (rec: Buffer): Field[] => {
    // Tokens are `name` then spaces then 16 hex digits.
    const out: Field[] = [];
    const re = /([a-z0-9/]+)\s+([0-9a-f]{16})/g;
    const s = rec.toString('latin1');
    let m: RegExpExecArray | null;
    while ((m = re.exec(s)) !== null) out.push({ name: m[1], offset: m.index + m[0].length - 16 });
    return out;
  };

  const fill = (rec: Buffer, fields: Field[]): void => {
    state.hasF = false;
    for (const fd of fields) {
      const hi = hex8(rec, fd.offset);
      const lo = hex8(rec, fd.offset + 8);
      const n = fd.name;
      let dst: Int32Array; let idx: number;
      if (n === 'pc') { dst = state.pc; idx = 0; }
      else if (n.charCodeAt(0) === 120 /* x */ && n.includes('/')) { dst = state.x; idx = 2 * parseInt(n.slice(1), 10); }
      else if (n.charCodeAt(0) === 102 /* f */ && n.includes('/')) { dst = state.f; idx = 2 * parseInt(n.slice(1), 10); state.hasF = true; }
      else {
        let c = state.csr.get(n);
        if (!c) { c = new Int32Array(2); state.csr.set(n, c); }
        dst = c; idx = 0;
      }
      dst[idx] = lo; dst[idx + 1] = hi;
    }
  };

  // Field lookups resolved once per layout so the fast path does no string work.
  let fast: { kind: Int32Array; idx: number; offset: number }[] = [];
  let fastHasF = false;
  const learn = (rec: Buffer): void => {
    const fields = fieldsOf(rec);
    layout = { length: rec.length, fields };
    fill(rec, fields);
    fastHasF = state.hasF;
    fast = fields.map((fd) => {
      const n = fd.name;
      if (n === 'pc') return { kind: state.pc, idx: 0, offset: fd.offset };
      if (n[0] === 'x' && n.includes('/')) return { kind: state.x, idx: 2 * parseInt(n.slice(1), 10), offset: fd.offset };
      if (n[0] === 'f' && n.includes('/')) return { kind: state.f, idx: 2 * parseInt(n.slice(1), 10), offset: fd.offset };
      return { kind: state.csr.get(n)!, idx: 0, offset: fd.offset };
    });
  };

  const handle = (rec: Buffer): boolean => {
    if (layout === undefined) learn(rec);
    else if (rec.length === layout.length) {
      for (let i = 0; i < fast.length; i++) {
        const fd = fast[i];
        fd.kind[fd.idx + 1] = hex8(rec, fd.offset);
        fd.kind[fd.idx] = hex8(rec, fd.offset + 8);
      }
      state.hasF = fastHasF;
    } else fill(rec, fieldsOf(rec));
    current = rec;
    records++;
    return onRecord(state);
  };

  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout!.on('data', (b: Buffer) => { junk = (junk + b.toString('latin1')).slice(-2000); });
    child.stderr!.on('data', (b: Buffer) => { junk = (junk + b.toString('latin1')).slice(-2000); });
    log.on('data', (data: Buffer | string) => {
      const chunk = data as Buffer;
      if (stopped) return;
      let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let start = buf.indexOf(RECORD_START);
      if (start > 0) { junk += buf.subarray(0, start).toString('latin1').slice(0, 2000); }
      if (start < 0) { pending = buf.length > 1 << 20 ? Buffer.alloc(0) : buf; return; }
      for (;;) {
        // The next record begins at the next ' pc ' line; a record is complete once it is seen.
        const hint = layout ? start + layout.length : start + 1;
        let next = -1;
        if (layout && hint + RECORD_START.length <= buf.length && buf.compare(RECORD_START, 0, RECORD_START.length, hint, hint + RECORD_START.length) === 0) next = hint;
        else next = buf.indexOf(RECORD_START, start + 1);
        if (next < 0) break;
        if (!handle(buf.subarray(start, next))) { stopped = true; child.kill('SIGKILL'); log.destroy(); return; }
        start = next;
      }
      pending = Buffer.from(buf.subarray(start));
    });
    let exitCode: number | null | undefined;
    let logEnded = false;
    const finish = (): void => {
      if (exitCode === undefined || !logEnded) return;
      try { consoleText = readFileSync(consoleFile, 'latin1'); } catch { /* QEMU never started */ }
      cleanup();
      const code = exitCode;
      // The last record has no successor: it is complete if QEMU exited normally.
      if (!stopped && pending.length > 0 && pending.indexOf(RECORD_START) === 0) {
        const end = layout ? Math.min(pending.length, layout.length) : pending.length;
        const rec = pending.subarray(0, end);
        if (layout === undefined || rec.length === layout.length) { if (!handle(rec)) stopped = true; }
        if (pending.length > end) junk += pending.subarray(end).toString('latin1').slice(0, 2000);
      }
      resolve({ exitCode: code, console: consoleText, records, stopped, stderrTail: junk });
    };
    log.on('error', (e) => { logEnded = true; junk += String(e); finish(); });
    log.on('close', () => { logEnded = true; finish(); });
    child.on('close', (code) => {
      exitCode = code;
      // If QEMU died before opening the FIFO, our open would wait forever: open it ourselves.
      if (!logEnded && log.bytesRead === 0) {
        try { closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)); } catch { /* reader already gone */ }
      }
      finish();
    });
  });
}

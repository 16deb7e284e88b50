/**
 * Differential testing against QEMU: runs one bare-metal ELF on qemu-system-riscv64 (the
 * reference) with a per-instruction state log and on our VirtMachine one instruction at a time,
 * and compares pc, x1..x31, f0..f31 (when logged) and the CSRs QEMU prints after every
 * instruction. Stops at the first divergence with a report naming the step, the pc, every
 * differing register with both values, and the last few instructions leading there.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { runQemuTrace, type QemuState } from './qemu-trace.js';

/** The subset of the Hart API (notes/hart-api.md) the comparison reads. */
export interface DiffHart {
  readonly x: Int32Array;
  readonly f: Uint32Array;
  priv: number;
  getPC(): bigint;
  getX(i: number): bigint;
  setX(i: number, v: bigint): void;
  readCSR(csr: number): bigint | undefined;
}
/** The subset of the VirtMachine API the comparison drives. */
export interface DiffMachine {
  readonly harts: DiffHart[];
  run(n: number): { executed: number; reason: string; exitCode?: number };
}

/** CSR numbers of the CSRs QEMU 7.2 prints with `-d cpu` (without the H extension). */
export const QEMU_CSRS: Record<string, number> = {
  mhartid: 0xf14, mstatus: 0x300, mip: 0x344, mie: 0x304, mideleg: 0x303, medeleg: 0x302,
  mtvec: 0x305, stvec: 0x105, mepc: 0x341, sepc: 0x141, mcause: 0x342, scause: 0x142,
  mtval: 0x343, stval: 0x143, mscratch: 0x340, sscratch: 0x140, satp: 0x180,
};

/** Options of one differential run. */
export interface DiffOptions {
  /** Path of the ELF (run by both). */
  elf: string;
  /** Compare FP registers too (QEMU `-d fpu`; the log is about twice as large). */
  fpu: boolean;
  /** Stop (successfully) after this many compared instructions; default: run to poweroff. */
  maxSteps?: number;
  /**
   * CSRs not compared (QEMU's names). Default none. `mip` follows the timer (QEMU's CLINT raises
   * MTIP at power-on since mtimecmp = 0, as ours does): ignore it for a program that arms the
   * timer, whose timing differs (QEMU's clock is host time).
   */
  ignoreCsrs?: string[];
  /** How many preceding instructions a divergence report shows (default 8). */
  history?: number;
  /**
   * Treat the two known step-accounting differences (a faulting fetch is a step for our hart
   * but has no QEMU record; an interrupt's handler entry has a QEMU record but is not a step
   * for our hart) as divergences instead of aligning them. Default false.
   */
  strictTrapAlignment?: boolean;
  /** Creates our machine for the ELF; default: dist/machine/virt.js VirtMachine, 128 MiB. */
  makeMachine?: (kernel: Uint8Array, onConsole: (b: Uint8Array) => void) => Promise<DiffMachine>;
}

/** One register that differs. Values are 64-bit hex strings. */
export interface RegDiff { reg: string; qemu: string; ours: string }

/** The first divergence found. */
export interface Divergence {
  /** Instructions executed since the ELF entry before the differing state (0 = at entry). */
  step: number;
  /** pc (QEMU's) of the state that differs: the instruction before it produced the difference. */
  pc: string;
  diffs: RegDiff[];
  /** The last instructions before the divergence: step, pc, disassembly, what QEMU changed. */
  history: string[];
}

/** Outcome of a differential run. */
export interface DiffResult {
  /** Instructions compared from the ELF entry on. */
  steps: number;
  divergence?: Divergence;
  qemuExitCode: number | null;
  ourExitCode?: number;
  qemuConsole: string;
  ourConsole: string;
  /** Facts worth knowing that are not divergences (e.g. registers set up by the boot ROMs). */
  notes: string[];
  /** Wall time in ms. */
  ms: number;
}

const hex64 = (hi: number, lo: number): string =>
  (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
const big = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const ABI = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];

async function defaultMachine(kernel: Uint8Array, onConsole: (b: Uint8Array) => void): Promise<DiffMachine> {
  // Resolved at run time so this harness compiles before the board exists.
  const path = '../../dist/machine/virt.js';
  const mod = (await import(path)) as { VirtMachine: new (o: object) => DiffMachine };
  return new mod.VirtMachine({ kernel, bios: 'none', memoryBytes: 128 * 1024 * 1024, onConsoleOutput: onConsole });
}

/** pc -> "insn  operands" from objdump, when the cross binutils are installed (reports only). */
function disassembly(elf: string): Map<string, string> {
  const map = new Map<string, string>();
  const r = spawnSync('riscv64-unknown-elf-objdump', ['-d', elf], { encoding: 'latin1', maxBuffer: 64 << 20 });
  if (r.status !== 0 || !r.stdout) return map;
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*([0-9a-f]+):\s+([0-9a-f]+)\s+(.*)$/.exec(line);
    if (m) map.set(BigInt('0x' + m[1]).toString(16), `${m[2]}  ${m[3].replace(/\s+/g, ' ')}`);
  }
  return map;
}

/** Reads the ELF entry point (ELF64 little-endian) without depending on our loader. */
export function elfEntry(bytes: Uint8Array): bigint {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 64 || dv.getUint32(0) !== 0x7f454c46 || bytes[4] !== 2) throw new Error('not an ELF64 file');
  return dv.getBigUint64(24, true);
}

/** Runs the comparison; never throws for a divergence (it is in the result). */
export async function diffAgainstQemu(opts: DiffOptions): Promise<DiffResult> {
  const t0 = Date.now();
  const kernel = new Uint8Array(readFileSync(opts.elf));
  const entry = elfEntry(kernel);
  const entryHi = Number(entry >> 32n) | 0, entryLo = Number(entry & 0xffffffffn) | 0;
  let ourConsole = '';
  const dec = new TextDecoder('latin1');
  const m = await (opts.makeMachine ?? defaultMachine)(kernel, (b) => { ourConsole += dec.decode(b); });
  const hart = m.harts[0];
  const ignore = new Set(opts.ignoreCsrs ?? []);
  const histLen = opts.history ?? 8;
  const notes: string[] = [];

  // Run our boot ROM up to the ELF entry.
  let ourExit: number | undefined;
  for (let i = 0; hart.getPC() !== entry; i++) {
    if (i > 10000) throw new Error(`our machine did not reach the ELF entry 0x${entry.toString(16)} (pc 0x${hart.getPC().toString(16)})`);
    m.run(1);
  }

  // History ring: copies of QEMU's states for the last few steps.
  const ring: { step: number; pc: Int32Array; x: Int32Array; f: Int32Array; csr: Map<string, string> }[] = [];
  const saveRing = (step: number, s: QemuState): void => {
    const slot = ring.length < histLen + 2 ? { step, pc: new Int32Array(2), x: new Int32Array(64), f: new Int32Array(64), csr: new Map<string, string>() } : ring.shift()!;
    slot.step = step; slot.pc.set(s.pc); slot.x.set(s.x); slot.f.set(s.f);
    for (const [k, v] of s.csr) slot.csr.set(k, hex64(v[1], v[0]));
    ring.push(slot);
  };

  let synced = false;
  let step = 0;
  let divergence: Divergence | undefined;
  let ourPoweredOff = false;
  const csrList = Object.entries(QEMU_CSRS).filter(([n]) => !ignore.has(n));

  const report = (diffs: RegDiff[], s: QemuState): void => {
    const dis = disassembly(opts.elf);
    const history: string[] = [];
    // Pair each saved state with its successor; the last one's successor is the state that differs.
    saveRing(step, s);
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i], b = ring[i + 1];
      const changes: string[] = [];
      for (let r = 1; r < 32; r++) if (a.x[2 * r] !== b.x[2 * r] || a.x[2 * r + 1] !== b.x[2 * r + 1]) changes.push(`${ABI[r]}=${hex64(b.x[2 * r + 1], b.x[2 * r])}`);
      for (let r = 0; r < 32; r++) if (a.f[2 * r] !== b.f[2 * r] || a.f[2 * r + 1] !== b.f[2 * r + 1]) changes.push(`f${r}=${hex64(b.f[2 * r + 1], b.f[2 * r])}`);
      for (const [k, v] of b.csr) if (a.csr.get(k) !== v) changes.push(`${k}=${v}`);
      const pc = big(a.pc[1], a.pc[0]).toString(16);
      history.push(`step ${a.step} pc ${pc}: ${dis.get(pc) ?? '?'}  -> ${changes.join(' ') || '(no register change)'}`);
    }
    const pc = big(s.pc[1], s.pc[0]).toString(16);
    history.push(`step ${step} pc ${pc}: ${dis.get(pc) ?? '?'}  (not yet executed; state differs before it)`);
    divergence = { step, pc: pc, diffs, history };
  };

  const compare = (s: QemuState): RegDiff[] => {
    const diffs: RegDiff[] = [];
    const pc = hart.getPC();
    if (pc !== big(s.pc[1], s.pc[0])) diffs.push({ reg: 'pc', qemu: hex64(s.pc[1], s.pc[0]), ours: pc.toString(16).padStart(16, '0') });
    const x = hart.x;
    for (let i = 2; i < 64; i++) {
      if (x[i] !== s.x[i]) {
        const r = i >> 1;
        diffs.push({ reg: `x${r}/${ABI[r]}`, qemu: hex64(s.x[2 * r + 1], s.x[2 * r]), ours: hex64(x[2 * r + 1], x[2 * r]) });
        i |= 1;
      }
    }
    if (s.hasF) {
      const f = hart.f;
      for (let i = 0; i < 64; i++) {
        if ((f[i] | 0) !== s.f[i]) {
          const r = i >> 1;
          diffs.push({ reg: `f${r}`, qemu: hex64(s.f[2 * r + 1], s.f[2 * r]), ours: hex64(f[2 * r + 1], f[2 * r]) });
          i |= 1;
        }
      }
    }
    for (const [name, num] of csrList) {
      const q = s.csr.get(name);
      if (!q) continue;
      const ours = hart.readCSR(num);
      if (ours === undefined) { diffs.push({ reg: name, qemu: hex64(q[1], q[0]), ours: '(not implemented)' }); continue; }
      if (ours !== big(q[1], q[0])) diffs.push({ reg: name, qemu: hex64(q[1], q[0]), ours: ours.toString(16).padStart(16, '0') });
    }
    return diffs;
  };

  let fetchFaultSteps = 0, triggerSteps = 0, interruptEntries = 0, replays = 0;
  const sameAsPrevious = (s: QemuState): boolean => {
    const p = ring[ring.length - 1];
    if (!p || p.pc[0] !== s.pc[0] || p.pc[1] !== s.pc[1]) return false;
    for (let i = 0; i < 64; i++) if (p.x[i] !== s.x[i] || p.f[i] !== s.f[i]) return false;
    for (const [k, v] of s.csr) if (p.csr.get(k) !== hex64(v[1], v[0])) return false;
    return true;
  };
  /** Which known difference in step accounting explains QEMU's state, if any. */
  const trapAlignment = (s: QemuState): 'fetch-fault' | 'trigger' | 'interrupt' | undefined => {
    const pc = hart.getPC();
    for (const [cause, epc] of [['mcause', 'mepc'], ['scause', 'sepc']] as const) {
      const c = s.csr.get(cause), e = s.csr.get(epc);
      if (!c || !e || big(e[1], e[0]) !== pc || big(s.pc[1], s.pc[0]) === pc) continue;
      const ours = hart.readCSR(QEMU_CSRS[epc]);
      const cv = big(c[1], c[0]);
      if ((cv === 1n || cv === 12n) && ours !== pc) return 'fetch-fault';
      // An execute trigger (Sdtrig) fires before the fetch: no block ran there either. (An
      // ebreak's record is at its own pc, where our hart stands too, so it never gets here.)
      // Our mepc may equal pc already (an mret to there): the states after our step decide.
      if (cv === 3n) return 'trigger';
      if (cv >> 63n === 1n && (ours !== pc || hart.readCSR(QEMU_CSRS[cause]) !== cv)) return 'interrupt';
    }
    return undefined;
  };

  const q = await runQemuTrace({ kernel: opts.elf, fpu: opts.fpu }, (s) => {
    if (!synced) {
      if (s.pc[0] !== entryLo || s.pc[1] !== entryHi) return true; // QEMU's boot ROM
      synced = true;
      // The ROMs' handoff (a1 = DTB address, t0 = ROM address) is not under test: align x regs.
      for (let r = 1; r < 32; r++) {
        const v = big(s.x[2 * r + 1], s.x[2 * r]);
        const ours = hart.getX(r);
        if (ours !== v) { notes.push(`at entry ${ABI[r]}: qemu ${v.toString(16)} ours ${ours.toString(16)} (aligned to QEMU)`); hart.setX(r, v); }
      }
    }
    if (sameAsPrevious(s) && (ourPoweredOff || hart.getPC() !== big(s.pc[1], s.pc[0]))) {
      // With -icount, QEMU re-runs an instruction that does device I/O (the first attempt
      // stops before the access) and logs the same state twice: not an instruction of its own.
      replays++;
      return true;
    }
    if (ourPoweredOff) {
      report([{ reg: 'poweroff', qemu: 'still running', ours: `powered off (exit ${ourExit})` }], s);
      return false;
    }
    let diffs = compare(s);
    if (diffs.length && !opts.strictTrapAlignment) {
      const kind = trapAlignment(s);
      if (kind === 'fetch-fault' || kind === 'trigger') {
        // QEMU logs no state at a pc whose fetch faults or whose execute trigger fires (no
        // block ran); our hart counts that as a step: take it, then the states must agree.
        if (kind === 'trigger') triggerSteps++;
        else fetchFaultSteps++;
        const r = m.run(1);
        if (r.reason === 'poweroff') { ourPoweredOff = true; ourExit = r.exitCode; }
        diffs = compare(s);
      } else if (kind === 'interrupt') {
        // QEMU takes an interrupt right after the instruction that made it pending/enabled and
        // logs the handler entry; our hart enters the handler at the start of its next step
        // together with the handler's first instruction. Skip this one state; the next must agree.
        interruptEntries++;
        saveRing(step, s);
        const r = m.run(1);
        if (r.reason === 'poweroff') { ourPoweredOff = true; ourExit = r.exitCode; }
        step++;
        return true;
      }
    }
    if (diffs.length) { report(diffs, s); return false; }
    saveRing(step, s);
    if (opts.maxSteps !== undefined && step >= opts.maxSteps) return false;
    const r = m.run(1);
    if (r.reason === 'poweroff') { ourPoweredOff = true; ourExit = r.exitCode; }
    step++;
    return true;
  });
  if (replays) notes.push(`${replays} repeated QEMU record(s) of an I/O instruction re-run under -icount skipped`);
  if (fetchFaultSteps) notes.push(`${fetchFaultSteps} faulting instruction fetch(es): our extra step aligned (QEMU logs no state at the faulting pc)`);
  if (triggerSteps) notes.push(`${triggerSteps} execute trigger(s) fired: our extra step aligned (QEMU logs no state at the trigger's pc)`);
  if (interruptEntries) notes.push(`${interruptEntries} interrupt entr(ies): QEMU's handler-entry state skipped (our hart enters the handler together with its first instruction)`);
  if (!synced) notes.push(`QEMU never reached the ELF entry; its stderr: ${q.stderrTail.slice(0, 500)}`);
  if (!divergence && opts.maxSteps === undefined && !ourPoweredOff) {
    divergence = { step, pc: hart.getPC().toString(16), diffs: [{ reg: 'poweroff', qemu: `exited (status ${q.exitCode})`, ours: 'still running' }], history: [] };
  }
  if (!divergence && ourPoweredOff && q.exitCode !== ourExit) {
    divergence = { step, pc: hart.getPC().toString(16), diffs: [{ reg: 'exit code', qemu: String(q.exitCode), ours: String(ourExit) }], history: [] };
  }
  return { steps: step, divergence, qemuExitCode: q.exitCode, ourExitCode: ourExit, qemuConsole: q.console, ourConsole, notes, ms: Date.now() - t0 };
}

/** A human-readable report of a result (one line when there is no divergence). */
export function formatDiff(elf: string, r: DiffResult): string {
  const head = `${elf}: ${r.steps} instructions compared in ${(r.ms / 1000).toFixed(1)} s, QEMU exit ${r.qemuExitCode}, ours ${r.ourExitCode}`;
  if (!r.divergence) return `${head}, no divergence${r.notes.length ? '\n  ' + r.notes.join('\n  ') : ''}`;
  const d = r.divergence;
  return [
    `${head}`,
    `DIVERGENCE at step ${d.step}, pc ${d.pc}:`,
    ...d.diffs.map((x) => `  ${x.reg.padEnd(10)} qemu ${x.qemu}  ours ${x.ours}`),
    'previous instructions (QEMU state changes):',
    ...d.history.map((h) => '  ' + h),
    ...r.notes.map((n) => 'note: ' + n),
  ].join('\n');
}

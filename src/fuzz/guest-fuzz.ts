/**
 * Guest fuzzer: random instruction streams run on a VirtMachine in M, S and U mode, with Sv39
 * paging on and off. A small M-mode trap handler (guest-handler.S, assembled below) logs every
 * trap (mcause, mepc, mtval, mstatus) to a ring in RAM and skips the faulting instruction
 * (mepc += 2 or 4), or restarts the stream when control left it. The host checks, chunk by
 * chunk: no host exception ever escapes the emulator, and every illegal-instruction trap
 * reports mtval = the instruction's bits.
 *
 * Layout (physical): handler 0x80000000, save area + log 0x80001000, Sv39 tables 0x80002000 and
 * 0x80003000, stream in the megapage at 0x80200000 (the only page mapped when paging is on).
 */
import { VirtMachine } from '../machine/virt.js';
import { Prng } from './prng.js';
import { fpStream, FP_DATA_OFF } from './fp-stream.js';

/** guest-handler.S, assembled with riscv64-unknown-elf-as -march=rv64gc (norvc). */
const HANDLER = [
  0x340f9ff3, 0x005fb023, 0x006fb423, 0x007fb823, 0x01cfbc23, 0x03dfb023, 0x342022f3, 0x34102373, 0x343023f3, 0x030fbe03,
  0x07fe7e93, 0x005e9e93, 0x01fe8eb3, 0x105eb023, 0x106eb423, 0x107eb823, 0x300023f3, 0x107ebc23, 0x001e0e13, 0x03cfb823,
  0x0402ca63, 0x038fb383, 0x04736063, 0x040fb383, 0x02737c63, 0x02028a63, 0x00100393, 0x02728663, 0x00c00393, 0x02728263,
  0x00035383, 0x0033f393, 0x00230313, 0x00300293, 0x00539463, 0x00230313, 0x34131073, 0x0180006f, 0x038fb303, 0x34131073,
  0x00c0006f, 0x30401073, 0x34401073, 0x028fb283, 0x30029073, 0x000fb283, 0x008fb303, 0x010fb383, 0x018fbe03, 0x020fbe83,
  0x340f9ff3, 0x30200073,
];

export const HANDLER_BASE = 0x8000_0000;
export const SAVE_BASE = 0x8000_1000;
const ROOT_PT = 0x8000_2000;
const L1_PT = 0x8000_3000;
export const STREAM_BASE = 0x8020_0000;
const LOG_OFF = 256;
const LOG_ENTRIES = 128;

export type PrivMode = 'M' | 'S' | 'U';
const PRIV: Record<PrivMode, number> = { M: 3, S: 1, U: 0 };

/** CSRs the stream must not write: they would unhook the handler, the mode or the paging. */
const PROTECTED_CSRS = new Set<number>([
  0x100, 0x104, 0x105, 0x144, 0x180, 0x300, 0x301, 0x302, 0x303, 0x304, 0x305, 0x30a, 0x340, 0x344, 0x747,
  ...Array.from({ length: 0x50 }, (_, i) => 0x3a0 + i),
]);

/** One trap as the handler logged it. */
export interface TrapRecord {
  mcause: bigint;
  mepc: bigint;
  mtval: bigint;
  mstatus: bigint;
}

/** Result of a guest fuzzing run. */
export interface GuestFuzzResult {
  instructions: number;
  traps: number;
  illegal: number;
  byCause: Map<string, number>;
  /** Runs whose handler or log was overwritten by the stream (records of that chunk dropped). */
  clobbered: number;
  /** Power-offs / resets the stream caused through the test device (stream restarted). */
  machineStops: number;
  wfiWakeups: number;
  failures: string[];
}

/** Keep a CSR instruction away from the protected CSRs (same form, another CSR). */
function tame(word: number, r: Prng): number {
  if ((word & 0x7f) === 0x73 && ((word >>> 12) & 3) !== 0) {
    let csr = word >>> 20;
    while (PROTECTED_CSRS.has(csr)) csr = r.int(4096);
    word = ((csr << 20) | (word & 0xfffff)) >>> 0;
  }
  return word;
}

/** A random stream as 16-bit parcels: 32-bit words, compressed ones, a `j` back to the start. */
export function randomStream(r: Prng, items: number): Uint16Array {
  const out: number[] = [];
  for (let i = 0; i < items; i++) {
    if (r.chance(0.35)) {
      let h = r.int(0x10000);
      if ((h & 3) === 3) h &= ~1; // keep it compressed
      out.push(h);
    } else {
      const w = tame((r.u32() | 3) >>> 0, r);
      out.push(w & 0xffff, w >>> 16);
    }
  }
  // jal x0, -(offset): back to the start of the stream.
  const off = -out.length * 2;
  const imm = off & 0x1fffff;
  const j = (((imm >>> 20) & 1) << 31) | (((imm >>> 1) & 0x3ff) << 21) | (((imm >>> 11) & 1) << 20) | (((imm >>> 12) & 0xff) << 12) | 0x6f;
  out.push(j & 0xffff, j >>> 16);
  return Uint16Array.from(out);
}

/** A machine with the handler installed; the stream loaded and entered in `mode`. */
export class GuestFuzzRig {
  readonly machine: VirtMachine;
  private readonly handlerBytes: Uint8Array;
  streamEnd = STREAM_BASE;
  /** Log entries already taken (the handler's index only grows: a chunk may end inside it). */
  private cursor = 0;

  /** `cpu`: how the hart executes (default: compiled blocks at the default threshold). */
  constructor(kernel: Uint8Array, cpu: { jit?: boolean; jitThreshold?: number; jitWasm?: boolean } = {}) {
    this.machine = new VirtMachine({ memoryBytes: 16 << 20, smp: 1, bios: 'none', kernel, rtcEpochNs: 0, onConsoleOutput: () => undefined, ...cpu });
    const b = new Uint8Array(HANDLER.length * 4);
    const dv = new DataView(b.buffer);
    HANDLER.forEach((w, i) => dv.setUint32(i * 4, w, true));
    this.handlerBytes = b;
  }

  private write64(addr: number, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    this.machine.bus.writeBytes(addr, b);
  }

  read64(addr: number): bigint {
    const b = this.machine.bus.readBytes(addr, 8)!;
    return new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);
  }

  /** Load `stream` and enter it in `mode` with random registers. */
  start(stream: Uint16Array, mode: PrivMode, paging: boolean, r: Prng): void {
    const m = this.machine;
    m.exitCode = undefined;
    const bus = m.bus;
    bus.writeBytes(HANDLER_BASE, this.handlerBytes);
    bus.writeBytes(SAVE_BASE, new Uint8Array(4096));
    const code = new Uint8Array(stream.buffer, stream.byteOffset, stream.byteLength);
    bus.writeBytes(STREAM_BASE, code);
    this.streamEnd = STREAM_BASE + code.length;
    this.cursor = 0;
    // Sv39: VPN[2]=2 -> L1 table; VPN[1]=1 -> the stream's 2 MiB megapage (identity).
    bus.writeBytes(ROOT_PT, new Uint8Array(4096));
    bus.writeBytes(L1_PT, new Uint8Array(4096));
    const V = 1n, R = 2n, W = 4n, X = 8n, U = 16n, A = 64n, D = 128n;
    this.write64(ROOT_PT + 2 * 8, (BigInt(L1_PT >>> 12) << 10n) | V);
    this.write64(L1_PT + 1 * 8, (BigInt(STREAM_BASE >>> 12) << 10n) | V | R | W | X | A | D | (mode === 'U' ? U : 0n));
    // mstatus on return from the handler: MPP = mode, FS = initial (FP instructions legal).
    const mstatus = (BigInt(PRIV[mode]) << 11n) | (1n << 13n);
    this.write64(SAVE_BASE + 40, mstatus);
    this.write64(SAVE_BASE + 56, BigInt(STREAM_BASE));
    this.write64(SAVE_BASE + 64, BigInt(this.streamEnd));
    const h = m.harts[0];
    for (let i = 1; i < 32; i++) h.setX(i, r.chance(0.2) ? BigInt(r.int(4096)) : r.u64());
    for (let i = 0; i < 32; i++) h.setF(i, r.u64());
    h.writeCSR(0x305, BigInt(HANDLER_BASE)); // mtvec
    h.writeCSR(0x340, BigInt(SAVE_BASE)); // mscratch
    h.writeCSR(0x302, 0n); // medeleg: every trap to M
    h.writeCSR(0x303, 0n);
    h.writeCSR(0x304, 0n); // mie
    h.writeCSR(0x180, paging ? (8n << 60n) | BigInt(ROOT_PT >>> 12) : 0n);
    h.writeCSR(0x300, mstatus);
    h.wfi = false;
    h.priv = PRIV[mode];
    h.privChanged();
    h.setPC(BigInt(STREAM_BASE));
  }

  /** Whether the handler and its save-area bounds are intact. */
  intact(): boolean {
    const now = this.machine.bus.readBytes(HANDLER_BASE, this.handlerBytes.length)!;
    for (let i = 0; i < now.length; i++) if (now[i] !== this.handlerBytes[i]) return false;
    return this.read64(SAVE_BASE + 56) === BigInt(STREAM_BASE) && this.read64(SAVE_BASE + 64) === BigInt(this.streamEnd);
  }

  /** Take the trap records logged since the last call. */
  drain(): TrapRecord[] | 'overflow' {
    const n = Number(this.read64(SAVE_BASE + 48));
    const from = this.cursor;
    this.cursor = n;
    if (n - from > LOG_ENTRIES || n < from) return 'overflow';
    const out: TrapRecord[] = [];
    for (let i = from; i < n; i++) {
      const e = SAVE_BASE + LOG_OFF + (i % LOG_ENTRIES) * 32;
      out.push({ mcause: this.read64(e), mepc: this.read64(e + 8), mtval: this.read64(e + 16), mstatus: this.read64(e + 24) });
    }
    return out;
  }

  /** The instruction bits at a (identity-mapped) address: 16 or 32 bits, or undefined. */
  instructionAt(addr: bigint): bigint | undefined {
    const a = Number(addr);
    const b = this.machine.bus.readBytes(a, 2);
    if (!b) return undefined;
    const lo = b[0] | (b[1] << 8);
    if ((lo & 3) !== 3) return BigInt(lo);
    const hi = this.machine.bus.readBytes(a + 2, 2);
    return hi ? BigInt(lo | (hi[0] << 16) | (hi[1] << 24)) & 0xffff_ffffn : undefined;
  }
}

/** Run the stream for about `instructions`, in chunks; check every logged trap. */
export function fuzzOne(rig: GuestFuzzRig, stream: Uint16Array, mode: PrivMode, paging: boolean, r: Prng, instructions: number, res: GuestFuzzResult, what: string): void {
  rig.start(stream, mode, paging, r);
  const m = rig.machine;
  const CHUNK = 2000; // < LOG_ENTRIES traps of ~40 handler instructions each
  let done = 0;
  while (done < instructions) {
    // A stream that trapped ~every instruction yields at most CHUNK/40 records per chunk.
    const before = m.icount;
    let result;
    try {
      result = m.run(Math.min(CHUNK, instructions - done));
    } catch (e) {
      res.failures.push(`${what}: host exception at pc ${m.harts[0].getPC().toString(16)}: ${(e as Error).stack ?? e}`);
      return;
    }
    const ran = m.icount - before;
    done += Math.max(ran, 1);
    res.instructions += ran;
    if (result.reason === 'poweroff' || result.reason === 'reset') {
      res.machineStops++;
      rig.start(stream, mode, paging, r);
      continue;
    }
    if (result.reason === 'idle') {
      // WFI in M-mode with nothing enabled: wake it, as an interrupt would.
      m.harts[0].wfi = false;
      res.wfiWakeups++;
    }
    const intact = rig.intact();
    const recs = rig.drain();
    if (!intact || recs === 'overflow') {
      res.clobbered++;
      rig.start(stream, mode, paging, r);
      continue;
    }
    for (const t of recs) {
      res.traps++;
      const key = (t.mcause >> 63n ? 'irq ' : '') + (t.mcause & 0xffn).toString();
      res.byCause.set(key, (res.byCause.get(key) ?? 0) + 1);
      if (t.mcause !== 2n) continue;
      res.illegal++;
      const bits = rig.instructionAt(t.mepc);
      if (bits !== undefined && bits !== t.mtval) {
        res.failures.push(`${what}: illegal instruction at ${t.mepc.toString(16)}: mtval ${t.mtval.toString(16)}, instruction bits ${bits.toString(16)}`);
        if (res.failures.length > 20) return;
      }
    }
  }
}

export function newGuestResult(): GuestFuzzResult {
  return { instructions: 0, traps: 0, illegal: 0, byCause: new Map(), clobbered: 0, machineStops: 0, wfiWakeups: 0, failures: [] };
}

/** The modes exercised: M (bare), S and U with paging off and on. */
export const CONFIGS: { mode: PrivMode; paging: boolean }[] = [
  { mode: 'M', paging: false },
  { mode: 'S', paging: false },
  { mode: 'S', paging: true },
  { mode: 'U', paging: false },
  { mode: 'U', paging: true },
];

/** Fuzz `seeds` seeds in every configuration, `perRun` instructions each. */
export function runGuestFuzz(kernel: Uint8Array, o: { seed: number; seeds: number; perRun: number; items?: number }): GuestFuzzResult {
  const res = newGuestResult();
  const rig = new GuestFuzzRig(kernel);
  for (let s = 0; s < o.seeds; s++) {
    for (const c of CONFIGS) {
      const seed = o.seed + s;
      const r = new Prng(seed * 8 + CONFIGS.indexOf(c));
      const stream = randomStream(r, o.items ?? 2048);
      fuzzOne(rig, stream, c.mode, c.paging, r, o.perRun, res, `seed ${seed} ${c.mode}-mode paging ${c.paging ? 'on' : 'off'}`);
      if (res.failures.length > 20) return res;
    }
  }
  return res;
}

/**
 * The block compiler against the interpreter on random streams: two rigs, one compiling every
 * block at its first execution, one interpreting, start each stream alike and run the same
 * pseudo-random slices; after every slice their whole machine states must be equal. Returns
 * the differences found (empty when none) and the instructions compared. `wasm` compiles
 * with the wasm tier (cpu/wasm) instead of the JS block compiler.
 */
export function compareCompiled(kernel: Uint8Array, o: { seed: number; seeds: number; perRun: number; wasm?: boolean; fp?: boolean }): { instructions: number; blocks: number; failures: string[] } {
  const jit = new GuestFuzzRig(kernel, { jit: true, jitThreshold: 1, jitWasm: o.wasm === true });
  const interp = new GuestFuzzRig(kernel, { jit: false });
  const failures: string[] = [];
  let instructions = 0;
  for (let s = 0; s < o.seeds && failures.length === 0; s++) {
    for (const c of CONFIGS) {
      const seed = o.seed + s;
      const what = `seed ${seed} ${c.mode}-mode paging ${c.paging ? 'on' : 'off'}`;
      const sr = new Prng(seed * 8 + CONFIGS.indexOf(c));
      // `fp`: F/D-heavy streams (fp-stream.ts) and their table of special operands.
      const fp = o.fp === true ? fpStream(sr, 1024) : undefined;
      const stream = fp?.stream ?? randomStream(sr, 2048);
      const start = (rig: GuestFuzzRig, r: Prng) => {
        rig.start(stream, c.mode, c.paging, r);
        if (fp !== undefined) rig.machine.bus.writeBytes(STREAM_BASE + FP_DATA_OFF, fp.data);
      };
      start(jit, new Prng(seed));
      start(interp, new Prng(seed));
      const slices = new Prng(~seed);
      for (let done = 0; done < o.perRun;) {
        const n = 1 + slices.int(slices.chance(0.5) ? 16 : 4000);
        const a = jit.machine.run(n), b = interp.machine.run(n);
        done += Math.max(1, b.executed);
        instructions += b.executed;
        if (a.reason !== b.reason || jit.machine.stateHash() !== interp.machine.stateHash()) {
          failures.push(`${what}: compiled and interpreted states differ after ${done} instructions (${a.reason} / ${b.reason})`);
          break;
        }
        // As fuzzOne does: restart a stream that stopped the machine, wake a WFI with nothing enabled.
        if (b.reason === 'poweroff' || b.reason === 'reset') {
          start(jit, new Prng(seed + done));
          start(interp, new Prng(seed + done));
        } else if (b.reason === 'idle') {
          jit.machine.harts[0].wfi = false;
          interp.machine.harts[0].wfi = false;
        }
      }
      if (failures.length > 0) break;
    }
  }
  return { instructions, blocks: jit.machine.harts[0].blocksCompiled, failures };
}

/**
 * Encodings reserved in RV64GC (illegal on a hart without further extensions): each must trap
 * with mcause 2 and mtval = its bits. 16-bit entries are compressed.
 */
export const RESERVED_ENCODINGS: { bits: number; why: string }[] = [
  { bits: 0x0000, why: 'c.unimp: all-zero parcel' },
  { bits: 0x0004, why: 'c.addi4spn with nzuimm=0' },
  { bits: 0x6281, why: 'c.lui with nzimm=0' },
  { bits: 0x6101, why: 'c.addi16sp with nzimm=0' },
  { bits: 0x4002, why: 'c.lwsp with rd=0' },
  { bits: 0x6002, why: 'c.ldsp with rd=0' },
  { bits: 0x8002, why: 'c.jr with rs1=0' },
  { bits: 0x2001, why: 'c.addiw with rd=0 (RV64)' },
  { bits: 0x0000000b, why: 'custom-0 opcode' },
  { bits: 0x0000002b, why: 'custom-1 opcode' },
  { bits: 0x0000005b, why: 'custom-2 opcode' },
  { bits: 0x0000007b, why: 'custom-3 opcode' },
  { bits: 0x00000057, why: 'OP-V (no V extension)' },
  { bits: 0x00000077, why: 'reserved major opcode 0x77' },
  { bits: 0x040002b3, why: 'OP with funct7=0000010' },
  { bits: 0xfe0002b3, why: 'OP with funct7=1111111' },
  { bits: 0x0200129b, why: 'slliw with shamt[5]=1' },
  { bits: 0x00007283, why: 'LOAD funct3=111' },
  { bits: 0x00004023, why: 'STORE funct3=100' },
  { bits: 0x00002063, why: 'BRANCH funct3=010' },
  { bits: 0x000012e7, why: 'JALR funct3=001' },
  { bits: 0x0000500f, why: 'MISC-MEM funct3=101' },
  { bits: 0x0000502f, why: 'AMO funct3=101' },
  { bits: 0x300022af, why: 'AMO funct5=00110' },
  { bits: 0x101022af, why: 'lr.w with rs2 != 0' },
  { bits: 0x060002d3, why: 'OP-FP fmt=11 (no Q extension)' },
  { bits: 0x020052d3, why: 'fadd.d with reserved rounding mode 101' },
  { bits: 0x020062d3, why: 'fadd.d with reserved rounding mode 110' },
  { bits: 0x020012bb, why: 'OP-32 funct7=0000001 funct3=001' },
  { bits: 0x400012bb, why: 'sllw with funct7=0100000' },
  { bits: 0xf1109073, why: 'csrrw to read-only mvendorid' },
  { bits: 0xc0009073, why: 'csrrw to read-only cycle' },
];

/** Lay out the reserved encodings as a stream (each at its own address). */
export function reservedStream(): { stream: Uint16Array; addrs: number[] } {
  const parcels: number[] = [];
  const addrs: number[] = [];
  for (const e of RESERVED_ENCODINGS) {
    addrs.push(STREAM_BASE + parcels.length * 2);
    if ((e.bits & 3) === 3) parcels.push(e.bits & 0xffff, e.bits >>> 16);
    else parcels.push(e.bits);
  }
  // j . (spin) at the end: never reached if every entry traps and is skipped in order... the
  // handler skips to the next, so the last skip lands here.
  parcels.push(0x006f, 0x0000);
  return { stream: Uint16Array.from(parcels), addrs };
}

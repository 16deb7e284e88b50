/**
 * `Machine`: the scripting API's facade over the virt board and its recorded history. Every
 * Machine is recorded from power-on, so a script can run forward, then seek, step and continue
 * backwards and ask who wrote memory last, with the same engine the gdb server uses.
 */
import { HistoryFile } from '../replay/history-file.js';
import { loadMachineConfig, parseSize, type MachineConfig } from '../cli/machine-args.js';
import { REG_PC } from '../gdb/target.js';
import type { WatchHit, Watchpoint, WatchKind } from '../machine/types.js';
import { VirtMachine } from '../machine/virt.js';
import type { LogEntry } from '../replay/log.js';
import { DEFAULT_SNAPSHOT_POLICY } from '../replay/snapshots.js';
import { readRecording, writeRecording } from '../replay/recording.js';
import { seedKeyframes, withKeyframes } from '../session/keyframes.js';
import createDebug from 'debug';
import { Timeline as ReplayTimeline, type TimelineStop, type TimelineStopReason } from '../replay/timeline.js';
import { configFromRecording, netBoardOptions, recordingParts, replayOptionsOf, replaySessionOf, RTC_EPOCH_NS } from '../session/session.js';
import { MachineTarget } from '../session/target.js';
import { RecordedBoard } from './board.js';
import { ConsoleCapture } from './console-capture.js';
import { csrRegno, regnoOf, X_ABI_NAMES } from './registers.js';
import { SymbolTable } from './symbols.js';
import { Timeline } from './timeline.js';

const replayLog = createDebug('rvrr:replay');

/** Options shared by every way of building a Machine. */
export interface MachineOptions {
  /** RAM size: `'128M'`, `'1G'`, or bytes. Default 128 MiB. */
  memory?: string | number;
  /** Number of harts, 1..8. Default 1. */
  smp?: number;
  /** Kernel command line (`/chosen/bootargs`). */
  append?: string;
  /** Legacy (virtio-mmio version 1) transport for the disk. */
  driveLegacy?: boolean;
  /**
   * A virtio-net card cabled to the built-in peer ('user': ARP, ping and DHCP for 10.0.2.15),
   * or none (default). Host links (`--net udp`) are for the CLI: a script stays deterministic.
   */
  net?: 'none' | 'user';
  /**
   * What happens when every hart waits for an interrupt: 'virtual' (default) jumps straight to
   * the next timer deadline; 'realtime' lets virtual time follow host time, as an interactive
   * session does. Either way the history records it and replays it exactly.
   */
  clock?: 'virtual' | 'realtime';
  /** Memory the snapshots of history may use (`'512M'` or bytes). Default 1 GiB. */
  snapshotMemory?: string | number;
  /**
   * A file for the snapshots `snapshotMemory` thins away (`--history-file`): seeks far back
   * restore from them instead of replaying from far. Created or truncated now; deleted by
   * `close()` (or at process exit).
   */
  historyFile?: string;
  /** Called with each piece of console output the first time the guest prints it. */
  onConsole?: (text: string) => void;
  /**
   * Compile hot guest code: to WebAssembly (true or 'wasm', the default) or to JavaScript
   * ('js'); false interprets every instruction. Every way computes the same states.
   */
  jit?: boolean | 'js' | 'wasm';
}

/** `Machine.fromFiles`: images named by path, as on the command line. */
export interface MachineFileOptions extends MachineOptions {
  /** Kernel or bare-metal program (ELF; a raw image when `bios` is a file). */
  kernel?: string;
  /** 'none' (default: the kernel runs in M-mode), 'opensbi' (Debian's fw_jump.bin) or a firmware file. */
  bios?: string;
  /** Raw disk image for virtio-blk; never written. */
  drive?: string;
  initrd?: string;
}

/** `Machine.fromBytes`: images given as bytes. */
export interface MachineByteOptions extends MachineOptions {
  kernel?: Uint8Array;
  /** 'none' (default) or the firmware image. */
  bios?: 'none' | Uint8Array;
  drive?: Uint8Array;
  initrd?: Uint8Array;
}

/** Why an operation stopped (`replaylog-begin`: back at power-on; `replaylog-end`: end of a replayed recording). */
export type StopReason = TimelineStopReason;

/** Where and why a run, step, seek or reverse operation stopped. */
export interface Stop {
  reason: StopReason;
  /** Position in history: instructions executed since power-on. */
  icount: number;
  /** pc of `hart` there (signed 64-bit virtual address convention). */
  pc: number;
  /** The hart that stopped (hit, stepped, or ran last). */
  hart: number;
  /** For 'poweroff', and 'replaylog-end' of a recording that ended with a power-off: the guest's exit code. */
  exitCode?: number;
  /** For 'watchpoint': the watchpoint and the access that hit it. */
  watch?: WatchHit;
}

/** Where a memory access goes. */
export interface MemoryOptions {
  /** Treat the address as physical (default: virtual, translated by the selected hart's MMU). */
  physical?: boolean;
}

/** Something that names an address: a number, a bigint, or an ELF symbol name. */
export type Location = number | bigint | string;

/** A 64-bit value as a JS number address in the project's convention (signed above 2^63). */
function toAddress(v: number | bigint): number {
  if (typeof v === 'bigint') return Number(BigInt.asIntN(64, v));
  if (!Number.isFinite(v) || !Number.isInteger(v)) throw new RangeError(`bad address ${v}`);
  return v >= 2 ** 63 ? v - 2 ** 64 : v;
}

const hex = (n: number | bigint): string => '0x' + BigInt.asUintN(64, BigInt(n)).toString(16);

/** Breakpoints of a Machine: addresses or symbol names; they stop forward and reverse runs. */
export class Breakpoints implements Iterable<number> {
  private readonly set = new Set<number>();

  constructor(private readonly resolve: (where: Location) => number) {}

  /** Add a breakpoint at an address or at a symbol (e.g. `'report_corruption'`); returns the address. */
  add(where: Location): number {
    const a = this.resolve(where);
    this.set.add(a);
    return a;
  }

  /** Remove one; false if there was none there. */
  delete(where: Location): boolean {
    return this.set.delete(this.resolve(where));
  }

  /** Whether a breakpoint is set there. */
  has(where: Location): boolean {
    return this.set.has(this.resolve(where));
  }

  /** Remove them all. */
  clear(): void {
    this.set.clear();
  }

  /** How many are set. */
  get size(): number {
    return this.set.size;
  }

  /** The addresses, in insertion order. */
  [Symbol.iterator](): Iterator<number> {
    return this.set.values();
  }
}

/** @internal What the API's Timeline needs from its Machine. */
export interface MachineInternals {
  readonly engine: ReplayTimeline;
  readonly board: RecordedBoard;
  /** Put the script's breakpoints and watchpoints on the board (gdb may have replaced them). */
  arm(): void;
  toStop(s: TimelineStop): Stop;
  resolve(where: Location): number;
  readBytes(addr: number, len: number): Uint8Array;
  describe(addr: number): string | undefined;
  /** The hart the script works on (`machine.hart`). */
  selectedHart(): number;
}

/**
 * A RISC-V `virt` machine (QEMU-compatible) recorded from power-on.
 *
 * Forward: `run(n)`, `cont()`, `step()`, `runUntilPoweroff()`. Backward and history: the
 * same methods as `timeline` (`seek`, `reverseStep`, `reverseContinue`, `lastWrite`, `when`,
 * `checkpoint`, `restart`). Registers by name, memory by address or symbol, console text.
 *
 * Long operations are async; one at a time (a second one while the first runs throws).
 */
export class Machine {
  /** The board itself (devices, harts, RAM): for what this facade does not cover. */
  readonly board: VirtMachine;
  /** History: seek, reverse execution, last writes, checkpoints. */
  readonly timeline: Timeline;
  /** Symbols of the kernel ELF (empty if none, or a raw image). */
  readonly symbols: SymbolTable;
  /** Breakpoints (addresses or symbol names), armed for forward and reverse operations. */
  readonly breakpoints: Breakpoints;
  /** The hart that register and memory accessors use, and that `step()` steps. Default 0. */
  hart = 0;

  private readonly engine: ReplayTimeline;
  private readonly recorded: RecordedBoard;
  private readonly target: MachineTarget;
  private readonly capture: ConsoleCapture;
  private readonly watches: Watchpoint[] = [];
  private readonly history: HistoryFile | undefined;

  /** Build a machine from image files (the `rvrr run` options). Throws a one-line error for bad input. */
  static fromFiles(o: MachineFileOptions): Machine {
    const memory = o.memory ?? '128M';
    const config = loadMachineConfig({
      bios: o.bios ?? 'none',
      memory: typeof memory === 'number' ? `${memory / 1024}K` : memory,
      smp: o.smp ?? 1,
      'drive-write': false,
      'drive-legacy': o.driveLegacy === true,
      net: o.net ?? 'none',
      ...(o.kernel !== undefined ? { kernel: o.kernel } : {}),
      ...(o.drive !== undefined ? { drive: o.drive } : {}),
      ...(o.initrd !== undefined ? { initrd: o.initrd } : {}),
      ...(o.append !== undefined ? { append: o.append } : {}),
    });
    return new Machine(config, o);
  }

  /** Build a machine from images in memory. Throws a one-line error for bad input. */
  static fromBytes(o: MachineByteOptions): Machine {
    if (o.kernel === undefined && (o.bios === undefined || o.bios === 'none')) {
      throw new Error('nothing to run: give a kernel (and/or a bios image)');
    }
    const memoryBytes = typeof o.memory === 'number' ? o.memory : parseSize(o.memory ?? '128M');
    const files: MachineConfig['files'] = {};
    const config: MachineConfig = { memoryBytes, smp: o.smp ?? 1, bios: o.bios ?? 'none', files };
    if (o.kernel) config.kernel = o.kernel;
    if (o.drive) config.drive = o.drive;
    if (o.initrd) config.initrd = o.initrd;
    if (o.append !== undefined) config.append = o.append;
    if (o.driveLegacy) config.driveLegacy = true;
    if (o.net === 'user') config.net = { spec: { kind: 'user' } };
    return new Machine(config, o);
  }

  /**
   * Open a recording made by `rvrr record` (or `saveRecording`) to replay and explore it: it
   * is positioned at power-on; forward runs stop at its end ('replaylog-end', with `exitCode`
   * when the guest powered off there).
   */
  static async fromRecording(file: string, o: Omit<MachineOptions, 'memory' | 'smp' | 'append' | 'driveLegacy' | 'net'> = {}): Promise<Machine> {
    const rec = await readRecording(file);
    const m = new Machine(configFromRecording(rec), { ...o, clock: 'virtual' }, {
      ...replayOptionsOf(rec),
    });
    // Its keyframes seed the history, so seeks start near their target; an unusable one is
    // skipped (DEBUG=rvrr:replay says why).
    const seeded = await seedKeyframes(m.engine, rec, { ramPages: m.config.memoryBytes / 4096, harts: m.config.smp }, (msg) => replayLog('%s: %s', file, msg), () => replaySessionOf(rec, o.jit === false ? { jit: false } : o.jit === 'js' ? { jitWasm: false } : {}).timeline);
    m.keyframeProblems = seeded.problems;
    return m;
  }

  /** Keyframes of the recording this machine replays that could not be used, one line each (why). */
  keyframeProblems: string[] = [];

  private constructor(
    /** The configuration the machine was built from (what a recording stores). */
    readonly config: MachineConfig,
    o: MachineOptions,
    replay?: { log?: LogEntry[]; endIcount?: number; expectedFinalHash?: string; endWarpNs?: number },
  ) {
    const smp = config.smp;
    if (!Number.isInteger(smp) || smp < 1 || smp > 8) throw new Error(`smp ${smp}: must be 1..8`);
    const onConsole = o.onConsole;
    const decoder = new TextDecoder();
    const snapMem = o.snapshotMemory;
    const historyBytes = snapMem === undefined ? DEFAULT_SNAPSHOT_POLICY.memoryBudget : typeof snapMem === 'number' ? snapMem : parseSize(snapMem);
    this.capture = new ConsoleCapture(onConsole ? (b) => onConsole(decoder.decode(b, { stream: true })) : undefined);
    this.board = new VirtMachine({
      memoryBytes: config.memoryBytes,
      smp,
      ...(config.quantum !== undefined ? { quantum: config.quantum } : {}),
      bios: config.bios,
      rtcEpochNs: RTC_EPOCH_NS,
      ...(config.kernel ? { kernel: config.kernel } : {}),
      ...(config.drive ? { drive: config.drive } : {}),
      ...(config.driveLegacy ? { driveLegacy: true } : {}),
      ...netBoardOptions(config),
      ...(config.initrd ? { initrd: config.initrd } : {}),
      ...(config.append !== undefined ? { append: config.append } : {}),
      onConsoleOutput: (bytes) => this.capture.output(this.board.icount, bytes),
      ...(o.jit === false ? { jit: false } : {}),
      ...(o.jit === 'js' ? { jitWasm: false } : {}),
      historyBytes,
    });
    this.recorded = new RecordedBoard(this.board);
    this.history = o.historyFile !== undefined
      ? new HistoryFile({ path: o.historyFile, target: { ramPages: config.memoryBytes / 4096, harts: smp } })
      : undefined;
    this.engine = new ReplayTimeline(this.recorded, {
      ...(this.history ? { historyFile: this.history } : {}),
      mode: replay ? 'replay' : 'live',
      clockMode: o.clock ?? 'virtual',
      ...(replay ? replay : {}),
      ...(snapMem !== undefined ? { snapshots: { memoryBudget: historyBytes } } : {}),
    });
    // An input applied while the end of history lies below output already captured means the
    // past changed there (a write from this API or from gdb): that output never happened.
    this.recorded.beforeInput = () => this.capture.discardFrom(this.engine.endIcount);
    this.target = new MachineTarget(this.board, this.engine);
    this.symbols = new SymbolTable(this.board.boot.kernelElf?.symbols ?? []);
    this.breakpoints = new Breakpoints((w) => this.resolve(w));
    const internals: MachineInternals = {
      engine: this.engine,
      board: this.recorded,
      arm: () => this.arm(),
      toStop: (s) => this.toStop(s),
      resolve: (w) => this.resolve(w),
      readBytes: (a, n) => this.read(a, n),
      describe: (a) => this.symbols.describe(a),
      selectedHart: () => this.hart,
    };
    this.timeline = new Timeline(internals);
  }

  // ---- state ------------------------------------------------------------------------------

  /** Position in history: instructions executed since power-on (all harts). */
  get icount(): number {
    return this.engine.icount;
  }

  /** pc of the selected hart (signed 64-bit virtual address convention). */
  get pc(): number {
    return this.recorded.pcOf(this.checkHart(this.hart));
  }

  /** The guest's exit code once it powered off (0 for success), else undefined. */
  get exitCode(): number | undefined {
    return this.board.exitCode;
  }

  /** Number of harts. */
  get hartCount(): number {
    return this.board.harts.length;
  }

  /** Console (UART) text the guest printed before the current position. */
  get console(): string {
    return new TextDecoder().decode(this.consoleBytes);
  }

  /** Console bytes the guest printed before the current position. */
  get consoleBytes(): Uint8Array {
    this.capture.discardFrom(this.engine.endIcount);
    return this.capture.bytesBefore(this.engine.icount);
  }

  /** Type text (or bytes) on the guest's console: it enters at the end of history, when execution gets there. */
  input(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data.slice();
    if (bytes.length > 0) this.engine.queueInput({ kind: 'console', bytes });
  }

  // ---- symbols ----------------------------------------------------------------------------

  /** Address of an ELF symbol (function or variable), or undefined if the ELF has none by that name. */
  symbol(name: string): number | undefined {
    return this.symbols.get(name)?.address;
  }

  /** An address as `name+offset` when a symbol covers it, else hex. */
  describe(addr: number | bigint): string {
    const a = toAddress(addr);
    const s = this.symbols.describe(a);
    return s === undefined ? hex(a) : `${hex(a)} <${s}>`;
  }

  /** A Location as an address; throws for an unknown symbol. */
  resolve(where: Location): number {
    if (typeof where !== 'string') return toAddress(where);
    const s = this.symbols.get(where);
    if (s !== undefined) return s.address;
    if (/^(0x[0-9a-f]+|\d+)$/i.test(where.trim())) return toAddress(BigInt(where.trim()));
    throw new Error(`no symbol '${where}' in the kernel ELF${this.symbols.size === 0 ? ' (it has no symbol table)' : ''}`);
  }

  // ---- registers --------------------------------------------------------------------------

  private checkHart(h: number): number {
    if (!Number.isInteger(h) || h < 0 || h >= this.board.harts.length) {
      throw new RangeError(`no hart ${h} (the machine has ${this.board.harts.length})`);
    }
    return h;
  }

  private regnoOrThrow(name: string): number {
    const r = regnoOf(name);
    if (r === undefined) throw new Error(`unknown register '${name}' (e.g. a0, sp, x5, pc, f1, mstatus)`);
    return r;
  }

  /** A register by name (`a0`, `x10`, `sp`, `pc`, `fa0`, `priv`, `mstatus`...) as an unsigned 64-bit value. */
  reg(name: string, hart = this.hart): bigint {
    const regno = this.regnoOrThrow(name);
    const v = this.target.readRegister(this.checkHart(hart), regno);
    if (v === undefined) throw new Error(`register '${name}' is not implemented`);
    return v;
  }

  /**
   * Write a register by name. Like every debugger write it is recorded as an input; at a
   * position before the end of history it changes the past (later history is discarded).
   */
  setReg(name: string, value: bigint | number, hart = this.hart): void {
    const regno = this.regnoOrThrow(name);
    const v = typeof value === 'bigint' ? value : BigInt(value);
    if (!this.target.writeRegister(this.checkHart(hart), regno, v)) throw new Error(`cannot write register '${name}'`);
  }

  /** A CSR by spec name (`'mstatus'`) or number (`0x300`). */
  csr(csr: string | number, hart = this.hart): bigint {
    const regno = csrRegno(csr);
    if (regno === undefined) throw new Error(`unknown CSR ${typeof csr === 'number' ? hex(csr) : `'${csr}'`}`);
    const v = this.target.readRegister(this.checkHart(hart), regno);
    if (v === undefined) throw new Error(`CSR ${typeof csr === 'number' ? hex(csr) : csr} is not implemented`);
    return v;
  }

  /** Write a CSR by name or number (recorded as a debugger write, like `setReg`). */
  setCsr(csr: string | number, value: bigint | number, hart = this.hart): void {
    const regno = csrRegno(csr);
    if (regno === undefined) throw new Error(`unknown CSR ${typeof csr === 'number' ? hex(csr) : `'${csr}'`}`);
    const v = typeof value === 'bigint' ? value : BigInt(value);
    if (!this.target.writeRegister(this.checkHart(hart), regno, v)) throw new Error(`cannot write CSR ${String(csr)}`);
  }

  /** The integer registers by ABI name (`zero`..`t6`) and `pc`. */
  regs(hart = this.hart): Record<string, bigint> {
    const out: Record<string, bigint> = {};
    for (let i = 0; i < 32; i++) out[X_ABI_NAMES[i]] = this.target.readRegister(this.checkHart(hart), i)!;
    out['pc'] = this.target.readRegister(hart, REG_PC)!;
    return out;
  }

  // ---- memory -----------------------------------------------------------------------------

  /** Physical address of a virtual one for the selected hart (undefined if unmapped). */
  translate(vaddr: Location, access: 'r' | 'w' | 'x' = 'r'): number | undefined {
    return this.board.harts[this.checkHart(this.hart)].translate(this.resolve(vaddr), access);
  }

  /** `len` bytes of RAM or ROM. Throws if any byte is unmapped or a device register. */
  read(addr: Location, len: number, o: MemoryOptions = {}): Uint8Array {
    const a = this.resolve(addr);
    if (!Number.isInteger(len) || len < 0) throw new RangeError(`bad length ${len}`);
    const out = this.target.readMemory(this.hart, a, len, o.physical ? 'physical' : 'virtual');
    if (out.length < len) {
      throw new Error(`cannot read ${len} bytes at ${hex(a)}: ${hex(a + out.length)} is not ${o.physical ? 'RAM or ROM' : 'mapped to RAM or ROM'}`);
    }
    return out;
  }

  /**
   * Write bytes to RAM, all or nothing (throws if any byte is not RAM). Recorded as a debugger
   * write; before the end of history it changes the past.
   */
  write(addr: Location, bytes: Uint8Array, o: MemoryOptions = {}): void {
    const a = this.resolve(addr);
    if (!this.target.writeMemory(this.hart, a, bytes, o.physical ? 'physical' : 'virtual')) {
      throw new Error(`cannot write ${bytes.length} bytes at ${hex(a)}: not all RAM`);
    }
  }

  private view(addr: Location, len: number, o: MemoryOptions): DataView {
    const b = this.read(addr, len, o);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** One byte. */
  readU8(addr: Location, o: MemoryOptions = {}): number {
    return this.view(addr, 1, o).getUint8(0);
  }

  /** A little-endian 16-bit value. */
  readU16(addr: Location, o: MemoryOptions = {}): number {
    return this.view(addr, 2, o).getUint16(0, true);
  }

  /** A little-endian unsigned 32-bit value. */
  readU32(addr: Location, o: MemoryOptions = {}): number {
    return this.view(addr, 4, o).getUint32(0, true);
  }

  /** A little-endian unsigned 64-bit value. */
  readU64(addr: Location, o: MemoryOptions = {}): bigint {
    return this.view(addr, 8, o).getBigUint64(0, true);
  }

  /** A little-endian signed 64-bit value (a C `long`). */
  readI64(addr: Location, o: MemoryOptions = {}): bigint {
    return this.view(addr, 8, o).getBigInt64(0, true);
  }

  /** A NUL-terminated string (at most `max` bytes), decoded as UTF-8. */
  readString(addr: Location, max = 4096, o: MemoryOptions = {}): string {
    const a = this.resolve(addr);
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      const b = this.read(a + i, 1, o)[0];
      if (b === 0) break;
      bytes.push(b);
    }
    return new TextDecoder().decode(Uint8Array.from(bytes));
  }

  /** Write a little-endian 32-bit value (recorded, like `write`). */
  writeU32(addr: Location, value: number, o: MemoryOptions = {}): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.write(addr, b, o);
  }

  /** Write a little-endian 64-bit value (recorded, like `write`). */
  writeU64(addr: Location, value: bigint | number, o: MemoryOptions = {}): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(value)), true);
    this.write(addr, b, o);
  }

  // ---- breakpoints and watchpoints ----------------------------------------------------------

  /** Watch guest virtual memory [addr, addr+len) for writes (default), reads or both. */
  watch(addr: Location, len: number, kind: WatchKind = 'write'): Watchpoint {
    if (!Number.isInteger(len) || len <= 0) throw new RangeError(`bad watch length ${len}`);
    if (kind !== 'write' && kind !== 'read' && kind !== 'access') throw new Error(`bad watch kind '${String(kind)}' (write, read or access)`);
    const w: Watchpoint = { addr: this.resolve(addr), len, kind };
    this.watches.push(w);
    return w;
  }

  /** Remove a watchpoint `watch()` returned; false if it was not set. */
  unwatch(w: Watchpoint): boolean {
    const i = this.watches.indexOf(w);
    if (i < 0) return false;
    this.watches.splice(i, 1);
    return true;
  }

  /** The watchpoints set. */
  get watchpoints(): readonly Watchpoint[] {
    return this.watches;
  }

  private arm(): void {
    const b = this.board;
    b.breakpoints.clear();
    for (const a of this.breakpoints) b.breakpoints.add(a);
    b.watchpoints.length = 0;
    b.watchpoints.push(...this.watches.map((w) => ({ ...w })));
  }

  private toStop(s: TimelineStop): Stop {
    const stop: Stop = { reason: s.reason, icount: s.icount, hart: s.hart, pc: this.recorded.pcOf(s.hart) };
    if (s.exitCode !== undefined) stop.exitCode = s.exitCode;
    else if (s.reason === 'poweroff' && this.board.exitCode !== undefined) stop.exitCode = this.board.exitCode;
    if (s.watch) stop.watch = s.watch;
    if (s.reason !== 'interrupted') this.hart = s.hart;
    return stop;
  }

  // ---- forward ----------------------------------------------------------------------------

  /**
   * Run at most `n` instructions (all harts). Stops early at a breakpoint or watchpoint (the
   * instruction not executed yet), at poweroff, or at the end of a replayed recording.
   * A breakpoint or watchpoint at the starting position is stepped over.
   */
  async run(n: number): Promise<Stop> {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad instruction count ${n}`);
    this.arm();
    return this.toStop(await this.engine.runForward({ budget: n, ignoreFirstStop: true }));
  }

  /** Run until a breakpoint, a watchpoint, poweroff or `interrupt()` (stepping off a stop at the start). */
  async cont(): Promise<Stop> {
    this.arm();
    return this.toStop(await this.engine.runForward({ ignoreFirstStop: true }));
  }

  /** Execute one instruction of the selected hart. */
  async step(): Promise<Stop> {
    this.arm();
    return this.toStop(await this.engine.runForward({ stepHart: this.checkHart(this.hart), ignoreFirstStop: true }));
  }

  /**
   * Run until the guest powers off, ignoring breakpoints and watchpoints. With `limit`, stop
   * after that many instructions at most (reason 'budget'). Resolves with the stop; the exit
   * code is `stop.exitCode` (and `exitCode`). On a replayed recording the reason is
   * 'replaylog-end' (its end), with `exitCode` if the guest powered off there.
   */
  async runUntilPoweroff(o: { limit?: number } = {}): Promise<Stop> {
    const b = this.board;
    b.breakpoints.clear();
    b.watchpoints.length = 0;
    const s = await this.engine.runForward(o.limit !== undefined ? { budget: o.limit } : {});
    return this.toStop(s);
  }

  /** Release what the machine holds outside memory: its history file is deleted. */
  close(): void {
    this.history?.close();
  }

  /** Stop the running operation at its next slice boundary (it resolves with reason 'interrupted'). */
  interrupt(): void {
    if (this.engine.busy) this.engine.interrupt();
  }

  // ---- history (same as `timeline`) ----------------------------------------------------------

  /** Go to position `icount` (see Timeline.seek). */
  seek(icount: number): Promise<Stop> {
    return this.timeline.seek(icount);
  }

  /** Step back one instruction (see Timeline.reverseStep). */
  reverseStep(): Promise<Stop> {
    return this.timeline.reverseStep();
  }

  /** Run backwards to the previous breakpoint / watchpoint hit (see Timeline.reverseContinue). */
  reverseContinue(): Promise<Stop> {
    return this.timeline.reverseContinue();
  }

  /** The last write to [addr, addr+len) before now (see Timeline.lastWrite). */
  lastWrite(addr: Location, len: number): ReturnType<Timeline['lastWrite']> {
    return this.timeline.lastWrite(addr, len);
  }

  /** Position, virtual time and current hart (see Timeline.when). */
  when(): ReturnType<Timeline['when']> {
    return this.timeline.when();
  }

  /** Name the current position (see Timeline.checkpoint). */
  checkpoint(name?: string): { name: string; icount: number } {
    return this.timeline.checkpoint(name);
  }

  /** Go to a named checkpoint (see Timeline.restart). */
  restart(name: string): Promise<Stop> {
    return this.timeline.restart(name);
  }

  // ---- recordings -------------------------------------------------------------------------

  /** Save the history so far as a recording file (`rvrr replay FILE` or `Machine.fromRecording` plays it back). */
  async saveRecording(file: string): Promise<void> {
    const { config, images } = recordingParts(this.config);
    const bare = this.engine.toRecording(config, images);
    let rec = bare;
    try {
      rec = (await withKeyframes(this.engine, bare)).recording;
    } catch (e) {
      // The history is what matters: saved without keyframes (`rvrr index` can add them).
      replayLog('%s: saved without keyframes: %s', file, (e as Error).message);
    }
    await writeRecording(file, rec);
  }
}

/**
 * The contract between the gdb server and whatever it debugs. The server speaks RSP and
 * decides; a DebugTarget only executes: it reads and writes state, keeps breakpoints and
 * runs. The rvrr glue implements it over the machine and the timeline; tests implement it
 * with a fake CPU.
 *
 * Conventions:
 * - Harts are numbered 0..hartCount-1 (their `mhartid`). gdb thread ids are hart + 1; the
 *   server does that mapping, the target only ever sees hart numbers.
 * - Addresses are JS numbers in the project convention: a virtual address is the signed
 *   64-bit interpretation (0xffffffc000000000 is -0x4000000000); physical addresses are >= 0.
 * - Register numbers are gdb's riscv numbering: x0..x31 = 0..31, pc = 32, f0..f31 = 33..64,
 *   CSR n = 65 + n (fflags 66, frm 67, fcsr 68, mstatus 65+0x300 ...), priv = 4161 (65+4096).
 *   Values are unsigned 64-bit bigints (registers are read off the hot path).
 */

/** gdb's riscv register numbers. */
export const REG_PC = 32;
export const REG_F0 = 33;
export const REG_CSR0 = 65;
export const REG_PRIV = 65 + 4096;
/** Signals used in stop replies. */
export const SIGINT = 2;
export const SIGTRAP = 5;

/** Why a hart stopped, beyond the signal; becomes `swbreak:`, `watch:ADDR;` ... in the T reply. */
export type StopCause =
  /** A software breakpoint (Z0) at the pc. */
  | { kind: 'swbreak' }
  /** A hardware breakpoint (Z1) at the pc. */
  | { kind: 'hwbreak' }
  /**
   * A watchpoint triggered by an access to `addr` (the address of the watched data the
   * access touched). `watch` = write (Z2), `rwatch` = read (Z3), `awatch` = access (Z4).
   */
  | { kind: 'watch' | 'rwatch' | 'awatch'; addr: number }
  /** Execution reached the beginning (reverse) or the end (replay) of recorded history. */
  | { kind: 'replaylog'; at: 'begin' | 'end' };

/**
 * How a resume (or a long monitor command) ended. `message`: a line for the user, sent as
 * console output (`O` packets) just before the stop reply of a resume.
 */
export type StopEvent =
  /** The machine stopped: `hart` is the thread to report, `signal` SIGTRAP or SIGINT. */
  | { kind: 'signal'; signal: number; hart: number; cause?: StopCause; message?: string }
  /**
   * The guest powered the machine off; `code` is its exit code (0 = success). The debugger
   * that got this sees the inferior end (`W`); the machine stays where it powered off, and the
   * next debugger to connect finds it stopped there, `hart` reported as the current thread.
   */
  | { kind: 'exited'; code: number; hart: number; message?: string };

/** What to run. `hart` is the hart the user works on (the step subject). */
export type ResumeAction =
  /**
   * Run until a breakpoint, watchpoint, poweroff or interrupt(): all harts, or with
   * `onlyHart` just `hart` while the others stay stopped (gdb's `vCont;c:N` with no default
   * action, which it uses to move one thread over a breakpoint).
   */
  | { kind: 'continue'; hart: number; onlyHart?: boolean }
  /** Execute one instruction of `hart` (other harts may not run). Stop: SIGTRAP. */
  | { kind: 'step'; hart: number }
  /**
   * Step `hart` while its pc stays in [start, end) (and nothing else stops it); report
   * SIGTRAP as soon as the pc leaves the range, as for a single step.
   */
  | { kind: 'rangeStep'; hart: number; start: number; end: number }
  /** Go back to just before the last instruction `hart` executed. */
  | { kind: 'reverseStep'; hart: number }
  /**
   * Go back to the last breakpoint / watchpoint hit before now (a breakpoint at the current
   * pc does not count on start), or to the beginning of history (cause replaylog:begin).
   *
   * Watchpoints backwards (verified against gdb-multiarch 13): report the stop in the state
   * just *after* the accessing instruction, as it stood going forward (pc at the next
   * instruction, memory already written), with `watch|rwatch|awatch` + address. gdb then
   * sends `bs` itself to step back over the access (watchpoints removed), lands on the
   * accessing instruction with memory as before it and prints the values. If the access is
   * the instruction executed just before now, report at once without moving.
   */
  | { kind: 'reverseContinue'; hart: number };

/** Breakpoint and watchpoint kinds, as in Z0..Z4. */
export type BreakpointKind = 'sw' | 'hw' | 'write' | 'read' | 'access';

/** A breakpoint (len = instruction size gdb gave) or watchpoint (len = watched bytes, any). */
export interface Breakpoint {
  kind: BreakpointKind;
  addr: number;
  len: number;
}

/** Which address space gdb's memory accesses use (`monitor phys on|off`). */
export type AddressSpace = 'virtual' | 'physical';

/** A region for qXfer:memory-map:read. Physical layout; `rom` makes gdb use hw breakpoints. */
export interface MemoryRegion {
  start: number;
  length: number;
  type: 'ram' | 'rom';
}

/** Where a monitor command writes its output (each call reaches gdb as O packets). */
export interface MonitorOutput {
  print(text: string): void;
}

/** A `monitor NAME ARGS` command the target provides. */
export interface MonitorCommand {
  /** First word of the command line, e.g. `info`, `seek`. */
  name: string;
  /** Usage line shown by `monitor help`, e.g. `seek ICOUNT|+N|-N`. */
  usage: string;
  /** One-line description for `monitor help`. */
  help: string;
  /**
   * Run with the rest of the command line. Output goes to `out`. A thrown Error's message is
   * shown to the user. May be long-running (interrupt() should make it end promptly); if it
   * moves the machine it returns the new stop so the server can remember it.
   */
  run(args: string, out: MonitorOutput): void | StopEvent | Promise<void | StopEvent>;
}

/** The debuggee as the gdb server sees it. Methods may throw: the server answers an error. */
export interface DebugTarget {
  /** Number of harts (gdb threads 1..hartCount). Fixed for the target's life. */
  readonly hartCount: number;

  /**
   * CSR numbers the harts implement (e.g. 0x001, 0x300). They appear in the target
   * description (fflags/frm/fcsr in the fpu feature, the rest in the csr feature).
   */
  readonly csrs: readonly number[];

  /** Read register `regno` (gdb numbering) of `hart`; undefined if it does not exist. */
  readRegister(hart: number, regno: number): bigint | undefined;

  /**
   * Write register `regno` of `hart` (value is the full 64-bit pattern; writes to x0 are
   * accepted and dropped). Returns false if the register does not exist or refuses.
   */
  writeRegister(hart: number, regno: number, value: bigint): boolean;

  /**
   * Read `len` bytes at `addr` as `hart` sees it (its current translation and privilege) or
   * physically. Returns the bytes readable from `addr` on: fewer than `len` (possibly none)
   * if an unmapped or inaccessible address is reached. MMIO may be read (side effects are
   * the target's choice; returning fewer bytes is fine).
   */
  readMemory(hart: number, addr: number, len: number, space: AddressSpace): Uint8Array;

  /** Write bytes at `addr` (same translation rules). Returns false if any byte is unwritable. */
  writeMemory(hart: number, addr: number, data: Uint8Array, space: AddressSpace): boolean;

  /** Insert a breakpoint or watchpoint; any number, any length. False if refused. */
  insertBreakpoint(bp: Breakpoint): boolean;

  /** Remove one previously inserted (same kind, addr, len). False if there was none. */
  removeBreakpoint(bp: Breakpoint): boolean;

  /**
   * Run as asked and settle when the machine stops. Only one resume is pending at a time
   * (the server guarantees it). Must yield to the event loop regularly so that interrupt()
   * and network traffic get through.
   *
   * Forward resumes must not skip a breakpoint or watchpoint on the first instruction: gdb
   * removes its own breakpoint at the pc before resuming and, riscv watchpoints being
   * "non-steppable" in gdb, it steps over a reported access itself with watchpoints removed.
   * So a watchpoint stop is reported *before* the access executes (pc at the accessing
   * instruction); a single step executes its instruction whatever is inserted.
   */
  resume(action: ResumeAction): Promise<StopEvent>;

  /**
   * Ctrl-C: make the pending resume (or long monitor command) settle promptly, stopped at a
   * consistent instruction boundary with `{kind:'signal', signal: SIGINT}`. No-op when idle.
   * It may come right after resume() returned its promise, before any instruction ran: the
   * resume must still honour it (do not clear the request once resume() has returned).
   */
  interrupt(): void;

  /** The debugger detached (`D`): drop breakpoints/watchpoints; the machine keeps its state. */
  detach(): void;

  /** The debugger killed the inferior (`k`, `vKill`): end the session as the target sees fit. */
  kill(): void;

  /** Physical memory layout for qXfer:memory-map:read. */
  memoryMap(): MemoryRegion[];

  /** Extra `monitor` commands (the server itself provides `help` and `phys`). */
  readonly monitorCommands: readonly MonitorCommand[];

  /**
   * Optional: the server installs a listener while a client is attached; the target calls it
   * with human-readable progress during long operations (reverse-continue over a long
   * history). The server forwards it, throttled, as console output while gdb waits.
   */
  setProgressListener?(listener: ((text: string) => void) | undefined): void;
}

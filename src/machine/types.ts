/**
 * The contract between the board (src/machine) and the replay engine (src/replay) and the
 * gdb glue. The board is deliberately dumb: it runs, stops, saves and restores. The
 * timeline decides when inputs are applied and where to go.
 */

/** Why `Machine.run` returned. */
export type StopReason =
  /** The instruction budget was used up (the normal end of a slice). */
  | 'budget'
  /** A hart is about to execute an instruction at a breakpoint address (not executed yet). */
  | 'breakpoint'
  /** A hart is about to execute an access that overlaps a watchpoint (not executed yet). */
  | 'watchpoint'
  /** Every hart waits for an interrupt and none is pending: time must warp for progress. */
  | 'idle'
  /** The guest asked the sifive_test device to power off (or to fail with a code). */
  | 'poweroff'
  /** The guest asked for a reset; the board has already reset itself. */
  | 'reset';

/** A watchpoint kind, as in GDB's Z2/Z3/Z4. */
export type WatchKind = 'write' | 'read' | 'access';

/** A watchpoint on guest *virtual* addresses [addr, addr+len), as the selected hart sees them. */
export interface Watchpoint {
  addr: number;
  len: number;
  kind: WatchKind;
}

/** What triggered a watchpoint stop. */
export interface WatchHit {
  /** The watchpoint that matched (as inserted). */
  watch: Watchpoint;
  /** Virtual address and size of the access that matched. */
  accessAddr: number;
  accessSize: number;
  /** Whether the access was a store ('write') or a load ('read'); an AMO reports 'write'. */
  accessKind: 'read' | 'write';
}

/** Result of `Machine.run`. */
export interface RunResult {
  /** Instructions executed (global icount advanced by this much). */
  executed: number;
  reason: StopReason;
  /** Hart that stopped (for breakpoint / watchpoint), else the hart that ran last. */
  hart: number;
  watch?: WatchHit;
  /** For 'poweroff': exit code (0 for a 0x5555 poweroff, `code` for 0x3333 | code << 16). */
  exitCode?: number;
}

/** Options of one `Machine.run` call. */
export interface RunOptions {
  /**
   * Ignore a breakpoint or watchpoint on the very first instruction each hart executes in this
   * call (to move off the instruction where the last stop happened).
   */
  ignoreFirstStop?: boolean;
}

/** Nondeterministic inputs, logged with the icount at which they were applied. */
export type InputEvent =
  | { kind: 'console'; bytes: Uint8Array }
  /** An Ethernet frame received from the host network (virtio-net, no FCS). */
  | { kind: 'net'; frame: Uint8Array }
  /** Virtual time skipped while all harts were idle (nanoseconds). */
  | { kind: 'warp'; ns: number }
  /** A debugger write to guest memory through the bus (physical address). */
  | { kind: 'mem'; paddr: number; bytes: Uint8Array }
  /** A debugger write to a register of a hart. regno is GDB's riscv numbering (x0..31, pc=32, f=33.., csr=65+csrno, priv=4161). */
  | { kind: 'reg'; hart: number; regno: number; value: bigint }
  /** A reset requested by the user (monitor reset). */
  | { kind: 'reset' };

/** An immutable group of page-like buffers (null: absent), shared between snapshots as a whole. */
export interface PageGroup {
  readonly u8: ReadonlyArray<ArrayBufferView | null>;
}

/** An opaque full-state snapshot of the machine (RAM pages shared copy-on-write). */
export interface MachineSnapshot {
  readonly icount: number;
  /** Bytes this snapshot holds privately (pages it alone references are counted by the owner). */
  readonly approxBytes: number;
  /**
   * Optional, for exact memory accounting by the snapshot store: every page-like buffer
   * (RAM pages, disk-overlay blocks) this snapshot references. Buffers shared between
   * snapshots are the same objects, so the store counts each one once. When present,
   * the store charges `stateBytes` plus the unique buffers instead of `approxBytes`.
   */
  readonly pageRefs?: ReadonlyArray<ArrayBufferView | null>;
  /**
   * Optional, the same for buffers grouped in immutable groups that successive snapshots
   * share while unchanged (RAM chunks): the store counts a group's buffers only when the
   * group first appears, so a snapshot costs in proportion to what changed.
   */
  readonly pageGroups?: ReadonlyArray<PageGroup | null>;
  /** Optional: bytes held outside `pageRefs` (CPU, CSRs, device state). */
  readonly stateBytes?: number;
}

/** The board as the replay engine and the debugger glue see it. */
export interface ReplayableMachine {
  /** Global instruction count: the position in history. */
  readonly icount: number;
  /** Run at most `budget` instructions (summed over harts, round-robin), stopping early for the reasons in StopReason. Deterministic. */
  run(budget: number, opts?: RunOptions): RunResult;
  /** Apply a logged input now (at the current icount). */
  applyInput(ev: InputEvent): void;
  /** Nanoseconds until the next timer deadline, for an idle warp (Infinity if none armed). */
  nsUntilNextDeadline(): number;
  /** Virtual time now: nanoseconds since power-on (instructions plus the idle warps applied). */
  virtualNs(): number;
  snapshot(): MachineSnapshot;
  restore(snap: MachineSnapshot): void;
  /** A hash of all architectural and device state (hex), for determinism checks. */
  stateHash(): string;
  /** Breakpoints (virtual PCs) and watchpoints; not part of snapshots. */
  readonly breakpoints: Set<number>;
  readonly watchpoints: Watchpoint[];
  /** Optional: number of harts (1 when absent). */
  readonly hartCount?: number;
  /** Optional: current pc of a hart (signed virtual address), for `last-write` reports. */
  pcOf?(hart: number): number;
  /** Optional: the guest's exit code once it powered the machine off (undefined while it runs). */
  readonly exitCode?: number | undefined;
  /** Optional: RAM pages copied on write so far (the timeline spaces recording snapshots by it). */
  readonly pagesCopied?: number;
}

/**
 * Types of the timeline's public API (timeline.ts): stops, hits, options, info.
 */
import type { WatchHit } from '../machine/types.js';
import type { LogEntry } from './log.js';
import type { SnapshotPolicy } from './snapshots.js';
import type { HistoryFile, HistoryFileStats } from './history-file.js';

/** Why a timeline operation ended. */
export type TimelineStopReason =
  | 'breakpoint'
  | 'watchpoint'
  /** A step (forward or reverse) or a seek / restart completed. */
  | 'step'
  | 'interrupted'
  /**
   * The guest powered the machine off (exitCode set). `inHistory` tells whether the power-off
   * was already part of history (see TimelineStop).
   */
  | 'poweroff'
  /** Reverse execution reached icount 0. */
  | 'replaylog-begin'
  /**
   * Forward execution reached the end of a saved recording (exitCode set when the recording
   * ended with the guest powering off there).
   */
  | 'replaylog-end'
  /** runForward used up its budget. */
  | 'budget';

/** Where and why an operation stopped. */
export interface TimelineStop {
  reason: TimelineStopReason;
  /** Position after the operation. */
  icount: number;
  /** The hart concerned (the one that hit, stepped, or ran last). */
  hart: number;
  watch?: WatchHit;
  /** For 'poweroff', and 'replaylog-end' at a power-off: the guest's exit code. */
  exitCode?: number;
  /**
   * For 'poweroff': true when the power-off was already in history, so nothing new was
   * recorded (a live session arriving again at the power-off that ends its history, after
   * going back, or resuming while already there); false when it just happened, at the end of
   * a live history.
   */
  inHistory?: boolean;
}

/** A breakpoint or watchpoint hit found while scanning history. */
export interface HistoryHit {
  /** Icount of the instruction that hit (not executed at this position). */
  icount: number;
  reason: 'breakpoint' | 'watchpoint';
  hart: number;
  watch?: WatchHit;
  /** pc of the hart at the hit, when the machine provides `pcOf`. */
  pc?: number;
}

/** Options of the timeline. */
export interface TimelineOptions {
  /** 'live' (default): forward past the end records. 'replay': forward stops at the end. */
  mode?: 'live' | 'replay';
  /** Existing history (a recording's log). */
  log?: Iterable<LogEntry>;
  /** End of existing history (default: the last log entry's icount, or 0). */
  endIcount?: number;
  /**
   * Idle warps (ns) in the state at the end of existing history, logged or not (a recording's
   * `endWarpNs`); kept for `toRecording` until replay reaches the end. Default: the sum of the
   * warps in `log`, right for a log that holds every warp (recording formats 1 and 2).
   */
  endWarpNs?: number;
  /**
   * Idle handling while recording: 'realtime' (interactive) lets virtual time follow host time
   * while all harts wait; 'virtual' warps straight to the next deadline. Default 'realtime'.
   */
  clockMode?: 'realtime' | 'virtual';
  /**
   * Longest single host wait while idle in realtime mode, ms (default 50). Waiting longer for
   * a deadline (or for input, with none armed) takes several, and logs at most one warp.
   */
  maxIdleWaitMs?: number;
  snapshots?: Partial<SnapshotPolicy>;
  /** stateHash() expected at endIcount (from the recording): checked when replay reaches it. */
  expectedFinalHash?: string;
  /** Number of harts, when the machine does not say (`machine.hartCount`); default 1. */
  hartCount?: number;
  /**
   * Where snapshots the memory budget thins away go instead of being lost (`--history-file`);
   * seeks restore from them. The timeline uses it, the caller closes it.
   */
  historyFile?: HistoryFile;
}

/** Options shared by long operations. */
export interface OperationOptions {
  signal?: AbortSignal;
  /** Called with the fraction done (0..1), at most every 100 ms. */
  onProgress?: (fraction: number) => void;
}

export interface RunForwardOptions extends OperationOptions {
  /** Stop after this many instructions (reason 'budget'). */
  budget?: number;
  /** Stop after this hart executed one instruction (reason 'step'). */
  stepHart?: number;
  /** Do not stop for a breakpoint/watchpoint at the current position (step off a reported hit). */
  ignoreFirstStop?: boolean;
}

export interface ReverseContinueOptions extends OperationOptions {
  /** A condition evaluated at each candidate hit, with the timeline positioned there. */
  predicate?: (hit: HistoryHit) => boolean;
  /**
   * Where a watchpoint stop leaves the position: 'before' (default) at the accessing
   * instruction, memory as before it; 'after' just after it, as it stood going forward —
   * what gdb-multiarch expects over RSP (it then sends `bs` itself to step back over the
   * access and prints old and new values). Breakpoint stops are unaffected.
   */
  watchStop?: 'before' | 'after';
}

/** What `info()` reports. */
export interface TimelineInfo {
  startIcount: number;
  endIcount: number;
  position: number;
  live: boolean;
  snapshotCount: number;
  snapshotBytes: number;
  snapshotBudget: number;
  /** Of the snapshots, keyframes from the recording file. */
  keyframeCount: number;
  logEntries: number;
  logBytes: number;
  /** With a history file: snapshots spilled there (records written, usable) and its size. */
  historyFile?: HistoryFileStats;
}

/** The machine did something the log says it did not: replay cannot continue faithfully. */
export class ReplayDivergenceError extends Error {
  override name = 'ReplayDivergenceError';
}

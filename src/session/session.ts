/**
 * Building a debugging session: the board from a machine configuration, wrapped in a timeline
 * (live recording, or replay of a saved recording), and the conversions between a machine
 * configuration and the recording that stores it.
 */
import { VirtMachine, DEFAULT_QUANTUM, LEGACY_QUANTUM, type VirtOptions } from '../machine/virt.js';
import type { LogEntry } from '../replay/log.js';
import { RecordingError, type Recording, type RecordingConfig, type RecordingImage } from '../replay/recording.js';
import { Timeline } from '../replay/timeline.js';
import { HistoryFile } from '../replay/history-file.js';
import { DEFAULT_SNAPSHOT_POLICY, type SnapshotPolicy } from '../replay/snapshots.js';
import type { MachineConfig } from '../cli/machine-args.js';
import { macText, parseMac } from '../net/frames.js';
import { netSpecText, parseNetSpec } from '../host/net-udp.js';

/** How a session is built. */
export interface SessionOptions {
  config: MachineConfig;
  /** 'live' records as it goes (default); 'replay' plays back a saved history. */
  mode?: 'live' | 'replay';
  /** For replay: the recorded history. */
  log?: LogEntry[];
  endIcount?: number;
  expectedFinalHash?: string;
  /** For replay: the idle warps at the end of history (the recording's `endWarpNs`). */
  endWarpNs?: number;
  /** Bytes the snapshots may hold. */
  snapshotMemory?: number;
  /** The rest of the snapshot policy (spacing), for tests and tools; the defaults otherwise. */
  snapshotPolicy?: Partial<SnapshotPolicy>;
  /**
   * `--history-file`: snapshots the memory budget thins away are written to this file (created
   * or truncated now, deleted by `closeSession` or at process exit) instead of being lost.
   */
  historyFile?: string;
  /** Idle handling: follow host time while all harts wait (interactive) or warp at once. */
  clockMode?: 'realtime' | 'virtual';
  /** Compile hot guest code (default); false interprets every instruction. Results are the same. */
  jit?: boolean;
  /** With `jit`: WebAssembly (true, the default: `--jit=wasm`, cpu/wasm) or JavaScript (false, `--jit=js`). */
  jitWasm?: boolean;
  onConsoleOutput?: (bytes: Uint8Array) => void;
  /** Frames the guest sends on a `--net udp` link (never called for `--net user`). */
  onNetTransmit?: (frame: Uint8Array) => void;
}

/** A machine and the timeline that owns its history. */
export interface Session {
  machine: VirtMachine;
  timeline: Timeline;
  config: MachineConfig;
  /** The history file, when the session has one. */
  history?: HistoryFile;
}

/** Release what a session holds outside memory (its history file). */
export function closeSession(s: Session): void {
  s.history?.close();
}

/** A fixed RTC epoch (2026-01-01T00:00:00Z): the RTC must not read host time (determinism). */
export const RTC_EPOCH_NS = 1_767_225_600_000_000_000;

/** The board's network options for a machine configuration (none without a card). */
export function netBoardOptions(c: MachineConfig): Pick<VirtOptions, 'net'> {
  if (!c.net) return {};
  return { net: { peer: c.net.spec.kind === 'user' ? 'user' : 'link', ...(c.net.mac ? { mac: c.net.mac } : {}), ...(c.net.legacy ? { legacy: true } : {}) } };
}

export function createSession(o: SessionOptions): Session {
  const c = o.config;
  const machine = new VirtMachine({
    memoryBytes: c.memoryBytes,
    smp: c.smp,
    ...(c.quantum !== undefined ? { quantum: c.quantum } : {}),
    bios: c.bios,
    rtcEpochNs: RTC_EPOCH_NS,
    ...(c.kernel ? { kernel: c.kernel } : {}),
    ...(c.drive ? { drive: c.drive } : {}),
    ...(c.driveLegacy ? { driveLegacy: true } : {}),
    ...(c.initrd ? { initrd: c.initrd } : {}),
    ...(c.append !== undefined ? { append: c.append } : {}),
    ...(o.onConsoleOutput ? { onConsoleOutput: o.onConsoleOutput } : {}),
    ...netBoardOptions(c),
    ...(o.onNetTransmit ? { onNetTransmit: o.onNetTransmit } : {}),
    ...(o.jit === false ? { jit: false } : {}),
    ...(o.jitWasm !== undefined ? { jitWasm: o.jitWasm } : {}),
    historyBytes: o.snapshotMemory ?? DEFAULT_SNAPSHOT_POLICY.memoryBudget,
  });
  const history = o.historyFile !== undefined
    ? new HistoryFile({ path: o.historyFile, target: { ramPages: c.memoryBytes / 4096, harts: c.smp } })
    : undefined;
  const timeline = new Timeline(machine, {
    ...(history ? { historyFile: history } : {}),
    mode: o.mode ?? 'live',
    clockMode: o.clockMode ?? 'realtime',
    ...(o.log ? { log: o.log } : {}),
    ...(o.endIcount !== undefined ? { endIcount: o.endIcount } : {}),
    ...(o.expectedFinalHash !== undefined ? { expectedFinalHash: o.expectedFinalHash } : {}),
    ...(o.endWarpNs !== undefined ? { endWarpNs: o.endWarpNs } : {}),
    snapshots: { ...o.snapshotPolicy, ...(o.snapshotMemory !== undefined ? { memoryBudget: o.snapshotMemory } : {}) },
  });
  return { machine, timeline, config: c, ...(history ? { history } : {}) };
}

/** What a recording stores of a machine configuration. */
export function recordingParts(c: MachineConfig): { config: RecordingConfig; images: RecordingImage[] } {
  const images: RecordingImage[] = [];
  const f = c.files;
  if (c.kernel) images.push({ role: 'kernel', name: f.kernel ?? 'kernel', bytes: c.kernel });
  if (c.bios !== 'none') images.push({ role: 'firmware', name: f.bios ?? 'firmware', bytes: c.bios });
  if (c.drive) images.push({ role: 'disk', name: f.drive ?? 'disk', bytes: c.drive });
  if (c.initrd) images.push({ role: 'initrd', name: f.initrd ?? 'initrd', bytes: c.initrd });
  const config: RecordingConfig = {
    memory: c.memoryBytes,
    smp: c.smp,
    options: {
      bios: c.bios === 'none' ? 'none' : 'file',
      quantum: c.quantum ?? DEFAULT_QUANTUM,
      driveLegacy: c.driveLegacy === true,
      // A udp link replays from the log; the addresses are kept to say what it was.
      ...(c.net
        ? { net: { spec: netSpecText(c.net.spec), ...(c.net.mac ? { mac: macText(c.net.mac) } : {}), legacy: c.net.legacy === true } }
        : {}),
    },
    ...(c.append !== undefined ? { append: c.append } : {}),
  };
  return { config, images };
}

/** The machine configuration a recording ran with. */
export function configFromRecording(rec: Recording): MachineConfig {
  const img = (role: string) => rec.images.find((i) => i.role === role);
  const files: MachineConfig['files'] = {};
  const c: MachineConfig = { memoryBytes: rec.config.memory, smp: rec.config.smp, bios: 'none', files };
  if (rec.config.append !== undefined) c.append = rec.config.append;
  if (rec.config.options['driveLegacy'] === true) c.driveLegacy = true;
  // Recordings made before the quantum was recorded ran with the old fixed one.
  const q = rec.config.options['quantum'] ?? LEGACY_QUANTUM;
  if (typeof q !== 'number' || !Number.isSafeInteger(q) || q < 1) throw new RecordingError(`recording configuration: bad quantum ${JSON.stringify(q)}`);
  c.quantum = q;
  const net = rec.config.options['net'] as { spec?: unknown; mac?: unknown; legacy?: unknown } | undefined;
  if (net !== undefined) {
    try {
      const spec = parseNetSpec(String(net.spec));
      if (spec.kind === 'none') throw new Error('no card');
      c.net = { spec, ...(typeof net.mac === 'string' ? { mac: parseMac(net.mac) } : {}), ...(net.legacy === true ? { legacy: true } : {}) };
    } catch (e) {
      throw new RecordingError(`recording configuration: bad network card ${JSON.stringify(net)}: ${(e as Error).message}`);
    }
  }
  const k = img('kernel');
  if (k) {
    c.kernel = k.bytes;
    files.kernel = k.name;
  }
  const fw = img('firmware');
  if (fw) {
    c.bios = fw.bytes;
    files.bios = fw.name;
  }
  const d = img('disk');
  if (d) {
    c.drive = d.bytes;
    files.drive = d.name;
  }
  const i = img('initrd');
  if (i) {
    c.initrd = i.bytes;
    files.initrd = i.name;
  }
  return c;
}

/** The session's history as a recording file's contents. */
export function toRecording(s: Session): Recording {
  const { config, images } = recordingParts(s.config);
  return s.timeline.toRecording(config, images);
}

/** The history of a recording, as session options for replaying it. */
export function replayOptionsOf(rec: Recording): Pick<SessionOptions, 'log' | 'endIcount' | 'expectedFinalHash' | 'endWarpNs'> {
  return {
    log: rec.log,
    endIcount: rec.endIcount,
    ...(rec.finalStateHash !== undefined ? { expectedFinalHash: rec.finalStateHash } : {}),
    ...(rec.endWarpNs !== undefined ? { endWarpNs: rec.endWarpNs } : {}),
  };
}

/** A headless replay session over `rec` (no console, no network): for work behind the scenes. */
export function replaySessionOf(rec: Recording, o: Pick<SessionOptions, 'jit' | 'jitWasm'> = {}): Session {
  return createSession({
    config: configFromRecording(rec),
    mode: 'replay',
    ...replayOptionsOf(rec),
    clockMode: 'virtual',
    ...o,
  });
}

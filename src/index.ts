/**
 * rvrr's scripting API.
 *
 * ```js
 * import { Machine } from 'rvrr';
 * const m = Machine.fromFiles({ kernel: 'samples/bughunt/bughunt.elf' });
 * await m.runUntilPoweroff();
 * const w = await m.lastWrite(m.symbol('alice') + 40, 8); // who wrote alice.balance last?
 * ```
 *
 * - `Machine`: a recorded RISC-V `virt` machine: run, step, registers, memory, symbols,
 *   console text, and (through `machine.timeline`) seek, reverse step/continue, last writes,
 *   checkpoints.
 * - `RspClient`: a typed GDB remote protocol client that drives rvrr or any gdb stub.
 * - `GdbServer` and `serve(machine)`: serve a scripted machine to gdb.
 */
export { Machine, Breakpoints } from './api/machine.js';
export type {
  Location, MachineByteOptions, MachineFileOptions, MachineOptions, MemoryOptions, Stop, StopReason,
} from './api/machine.js';
export { Timeline } from './api/timeline.js';
export type { Hit, Write, WriteRecord } from './api/timeline.js';
export { SymbolTable } from './api/symbols.js';
export type { SymbolInfo, SymbolLocation } from './api/symbols.js';
export { regnoOf, csrRegno, X_ABI_NAMES, F_ABI_NAMES } from './api/registers.js';
export { serve } from './api/serve.js';
export type { ServeOptions } from './api/serve.js';
export { RspClient, RspError, parseStopReply } from './gdb/client.js';
export type { StopReply } from './gdb/client.js';
export { GdbServer } from './gdb/server.js';
export type { GdbServerOptions } from './gdb/server.js';
export type { Watchpoint, WatchKind, WatchHit } from './machine/types.js';
export type { TimelineInfo } from './replay/timeline.js';
export { Timeline as ReplayTimeline } from './replay/timeline.js';

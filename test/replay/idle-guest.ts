/** Shared helpers for the idle-guest tests (test/guests/idle.S): sessions, log size, replay. */
import { readFileSync } from 'node:fs';
import type { MachineConfig } from '../../dist/cli/machine-args.js';
import { decodeRecording, encodeRecording, type Recording } from '../../dist/replay/recording.js';
import { createSession, replaySessionOf, type Session } from '../../dist/session/session.js';

const root = new URL('../../', import.meta.url);

export function guestBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`test/guests/${name}`, root)));
}

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`test/replay/fixtures/${name}`, root)));
}

export function idleConfig(elf = 'idle.elf', smp = 1): MachineConfig {
  return { memoryBytes: 16 << 20, smp, bios: 'none', files: { kernel: elf }, kernel: guestBytes(elf) };
}

/** A live session on an idle guest, its console output collected. */
export function idleSession(clockMode: 'virtual' | 'realtime', elf = 'idle.elf', smp = 1, quantum?: number): { s: Session; out: () => string } {
  let out = '';
  const s = createSession({ config: { ...idleConfig(elf, smp), ...(quantum !== undefined ? { quantum } : {}) }, clockMode, onConsoleOutput: (b) => { out += Buffer.from(b).toString('latin1'); } });
  return { s, out: () => out };
}

/** Bytes the event log takes in the recording file. */
export function logBytes(rec: Recording): number {
  return encodeRecording({ ...rec, images: [] }).length - encodeRecording({ ...rec, images: [], log: [] }).length;
}

/** The address of a symbol of the session's kernel. */
export function symbol(s: Session, name: string): number {
  const sym = s.machine.boot.kernelElf?.symbols.find((x) => x.name === name);
  if (!sym) throw new Error(`no symbol ${name}`);
  return sym.value;
}

/** Through the file format and into a replay session. */
export function replayThroughFile(rec: Recording): { rec: Recording; s: Session } {
  const back = decodeRecording(encodeRecording(rec));
  return { rec: back, s: replaySessionOf(back) };
}

/** A fixed shuffle (end first), so seeks go backwards and forwards. */
export function shuffled(points: number[]): number[] {
  const sorted = [...points].sort((a, b) => b - a);
  return [sorted[0], ...sorted.slice(1).sort((a, b) => ((a * 2654435761) % 1009) - ((b * 2654435761) % 1009))];
}

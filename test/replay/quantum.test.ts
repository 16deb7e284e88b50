/**
 * The SMP quantum (steps per hart turn) is part of what a recording replays: it is written
 * into the recording, a recording without one (made before it was recorded) replays with the
 * old fixed quantum, and a replay with another quantum would reach other states.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { MachineConfig } from '../../dist/cli/machine-args.js';
import { loadMachineConfig } from '../../dist/cli/machine-args.js';
import { RecordingError, type Recording } from '../../dist/replay/recording.js';
import { DEFAULT_QUANTUM, LEGACY_QUANTUM, VirtMachine } from '../../dist/machine/virt.js';
import { createSession, replaySessionOf, toRecording } from '../../dist/session/session.js';

const root = new URL('../../', import.meta.url);
const path = (p: string) => new URL(p, root).pathname;
const OS3 = path('samples/bench/os3.p1.elf');

function os3(quantum?: number): MachineConfig {
  return {
    memoryBytes: 128 << 20, smp: 3, bios: 'none', files: { kernel: 'os3.p1.elf' }, kernel: new Uint8Array(readFileSync(OS3)),
    ...(quantum !== undefined ? { quantum } : {}),
  };
}

/** Run `insns` live and return the recording and the state hash there. */
async function record(config: MachineConfig, insns: number): Promise<{ rec: Recording; hash: string }> {
  const s = createSession({ config, clockMode: 'virtual' });
  const stop = await s.timeline.runForward({ budget: insns });
  expect(stop.reason).to.equal('budget');
  return { rec: toRecording(s), hash: s.machine.stateHash() };
}

async function replayHash(rec: Recording, at: number): Promise<string> {
  const s = replaySessionOf(rec);
  await s.timeline.seek(at);
  return s.machine.stateHash();
}

describe('replay/quantum: steps per hart turn are recorded', function () {
  this.timeout(120_000);
  const N = 3_000_000;

  it(`a live session runs with ${DEFAULT_QUANTUM} steps per turn and records it; its replay reaches the same state`, async () => {
    const { rec, hash } = await record(os3(), N);
    expect(rec.config.options['quantum']).to.equal(DEFAULT_QUANTUM);
    expect(await replayHash(rec, N)).to.equal(hash);
  });

  it(`a recording without a quantum (older files) replays with ${LEGACY_QUANTUM}; another quantum reaches another state`, async () => {
    const { rec, hash } = await record(os3(LEGACY_QUANTUM), N);
    expect(rec.config.options['quantum']).to.equal(LEGACY_QUANTUM);
    const legacy: Recording = { ...rec, config: { ...rec.config, options: { ...rec.config.options } } };
    delete legacy.config.options['quantum'];
    expect(await replayHash(legacy, N)).to.equal(hash);
    const other: Recording = { ...rec, config: { ...rec.config, options: { ...rec.config.options, quantum: 777 } } };
    expect(await replayHash(other, N)).to.not.equal(hash, 'the quantum decides the interleaving of the harts');
  });

  it('bad quantum values are refused with a clear error: in a recording, a board option and --quantum', () => {
    expect(() => replaySessionOf({ ...({} as Recording), config: { memory: 128 << 20, smp: 3, options: { quantum: 'x' } }, images: [], log: [], endIcount: 0 } as Recording))
      .to.throw(RecordingError, /bad quantum "x"/);
    expect(() => new VirtMachine({ smp: 2, quantum: 0 })).to.throw(/quantum 0: must be a whole number of steps/);
    const args = { kernel: OS3, bios: 'none', memory: '128M', smp: 3, 'drive-write': false, 'drive-legacy': false };
    expect(loadMachineConfig({ ...args, quantum: 500 }).quantum).to.equal(500);
    expect(() => loadMachineConfig({ ...args, quantum: 1.5 })).to.throw(/--quantum 1.5: must be a whole number/);
  });
});

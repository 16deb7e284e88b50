/**
 * The virt board as the scripting API hands it to the replay engine: every call goes straight
 * to the VirtMachine, plus `pcOf` (so history hits carry the pc of the hart that hit) and a
 * hook on applied inputs (a debugger write may have discarded later history: the API's
 * console capture must forget the output of that history).
 */
import type {
  InputEvent, MachineSnapshot, ReplayableMachine, RunOptions, RunResult, Watchpoint,
} from '../machine/types.js';
import type { VirtMachine } from '../machine/virt.js';

/** @internal A ReplayableMachine view of a VirtMachine for the API's timeline. */
export class RecordedBoard implements ReplayableMachine {
  /** Called before every input is applied (inputs arrive only between slices). */
  beforeInput: (() => void) | undefined;

  constructor(readonly vm: VirtMachine) {}

  get icount(): number {
    return this.vm.icount;
  }

  get breakpoints(): Set<number> {
    return this.vm.breakpoints;
  }

  get watchpoints(): Watchpoint[] {
    return this.vm.watchpoints;
  }

  get hartCount(): number {
    return this.vm.harts.length;
  }

  get pagesCopied(): number {
    return this.vm.pagesCopied;
  }

  run(budget: number, opts?: RunOptions): RunResult {
    return this.vm.run(budget, opts);
  }

  applyInput(ev: InputEvent): void {
    this.beforeInput?.();
    this.vm.applyInput(ev);
  }

  nsUntilNextDeadline(): number {
    return this.vm.nsUntilNextDeadline();
  }

  virtualNs(): number {
    return this.vm.virtualNs();
  }

  snapshot(): MachineSnapshot {
    return this.vm.snapshot();
  }

  restore(snap: MachineSnapshot): void {
    this.vm.restore(snap);
  }

  stateHash(): string {
    return this.vm.stateHash();
  }

  pcOf(hart: number): number {
    return Number(BigInt.asIntN(64, this.vm.harts[hart].getPC()));
  }
}

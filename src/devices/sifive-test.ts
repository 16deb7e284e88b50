/**
 * SiFive test finisher ("sifive,test0"/"syscon"), as on QEMU's `virt` board.
 * A 32-bit write at offset 0 whose low half is 0x5555 powers off (code 0), 0x7777 resets,
 * 0x3333 fails with exit code = high half. Other values and offsets are ignored; reads are 0.
 */
import createDebug from 'debug';
import type { DeviceState, MmioDevice } from './device.js';

const log = createDebug('rvrr:dev:test');

export const SIFIVE_TEST_SIZE = 0x1000;
export const FINISHER_FAIL = 0x3333;
export const FINISHER_PASS = 0x5555;
export const FINISHER_RESET = 0x7777;

/** What the guest asked for. */
export interface TestAction {
  kind: 'poweroff' | 'reset' | 'fail';
  /** Exit code: 0 for poweroff and reset, the high 16 bits of the written value for fail. */
  code: number;
}

export class SifiveTest implements MmioDevice {
  readonly name = 'test';

  constructor(private readonly onAction: (a: TestAction) => void) {}

  read(_offset: number, _size: 1 | 2 | 4): number {
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset !== 0) return;
    const status = value & 0xffff;
    // A narrow write cannot carry a fail code in the high half.
    const code = size === 4 ? (value >>> 16) & 0xffff : 0;
    if (status === FINISHER_PASS) {
      log('poweroff');
      this.onAction({ kind: 'poweroff', code: 0 });
    } else if (status === FINISHER_RESET) {
      log('reset');
      this.onAction({ kind: 'reset', code: 0 });
    } else if (status === FINISHER_FAIL) {
      log('fail, code %d', code);
      this.onAction({ kind: 'fail', code });
    }
  }

  reset(): void {}

  saveState(): DeviceState {
    return {};
  }

  loadState(_s: DeviceState): void {}
}

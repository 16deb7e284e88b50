/**
 * Goldfish RTC ("google,goldfish-rtc") as on QEMU's `virt` board, counting nanoseconds of
 * virtual time (never host time): time = epochNs + clock.nowNs() + an offset the guest sets
 * by writing TIME_LOW/TIME_HIGH.
 *
 * Registers (32-bit): TIME_LOW 0x00 (reading it latches TIME_HIGH), TIME_HIGH 0x04,
 * ALARM_LOW 0x08 (writing it arms the alarm), ALARM_HIGH 0x0c, IRQ_ENABLED 0x10,
 * CLEAR_ALARM 0x14, ALARM_STATUS 0x18, CLEAR_INTERRUPT 0x1c. An alarm already due when armed
 * interrupts at once; otherwise it fires at the first `update()` at or after its time.
 * The 64-bit nanosecond values exceed 2^53, so this device computes with BigInt (it is
 * touched rarely, never on the instruction fast path).
 */
import createDebug from 'debug';
import type { DeviceState, IrqLine, MmioDevice } from './device.js';
import type { VirtualClock } from '../replay/clock.js';

const log = createDebug('rvrr:dev:rtc');

export const RTC_SIZE = 0x1000;
export const RTC_TIME_LOW = 0x00;
export const RTC_TIME_HIGH = 0x04;
export const RTC_ALARM_LOW = 0x08;
export const RTC_ALARM_HIGH = 0x0c;
export const RTC_IRQ_ENABLED = 0x10;
export const RTC_CLEAR_ALARM = 0x14;
export const RTC_ALARM_STATUS = 0x18;
export const RTC_CLEAR_INTERRUPT = 0x1c;

const M32 = 0xffffffffn;
const M64 = (1n << 64n) - 1n;

export class GoldfishRtc implements MmioDevice {
  readonly name = 'rtc';
  private readonly epoch: bigint;
  /** Added to epoch + virtual time by guest writes of the time registers. */
  private tickOffset = 0n;
  private alarmNext = 0n;
  private alarmRunning = false;
  private irqEnabled = false;
  private irqPending = false;
  private timeHigh = 0;
  private irqLevel = false;
  /**
   * Called after the guest arms or clears the alarm or sets the time, so the board can
   * recompute when it must next call `update()`. Not part of saved state.
   */
  onDeadlineChange: (() => void) | null = null;

  /**
   * @param clock   the virtual clock
   * @param irq     PLIC source line (IRQ 11 on virt)
   * @param epochNs nanoseconds since the Unix epoch at virtual time 0 (a bigint keeps it exact)
   */
  constructor(
    private readonly clock: VirtualClock,
    private readonly irq: IrqLine,
    epochNs: number | bigint,
  ) {
    this.epoch = typeof epochNs === 'bigint' ? epochNs : BigInt(Math.round(epochNs));
  }

  /** The guest-visible time in nanoseconds. */
  now(): bigint {
    return (this.epoch + BigInt(this.clock.nowNs()) + this.tickOffset) & M64;
  }

  reset(): void {
    this.tickOffset = 0n;
    this.alarmNext = 0n;
    this.alarmRunning = false;
    this.irqEnabled = false;
    this.irqPending = false;
    this.timeHigh = 0;
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = this.irqPending && this.irqEnabled;
    // Re-asserted at every update while the condition holds, as QEMU's devices do: the PLIC
    // pends the source on each (a completion alone does not).
    if (level || level !== this.irqLevel) this.irq.set(level);
    this.irqLevel = level;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    let v = 0;
    switch (offset & ~3) {
      case RTC_TIME_LOW: {
        const t = this.now();
        this.timeHigh = Number(t >> 32n);
        v = Number(t & M32);
        break;
      }
      case RTC_TIME_HIGH:
        v = this.timeHigh;
        break;
      case RTC_ALARM_LOW:
        v = Number(this.alarmNext & M32);
        break;
      case RTC_ALARM_HIGH:
        v = Number(this.alarmNext >> 32n);
        break;
      case RTC_IRQ_ENABLED:
        v = this.irqEnabled ? 1 : 0;
        break;
      case RTC_ALARM_STATUS:
        v = this.alarmRunning ? 1 : 0;
        break;
    }
    if (size === 4) return v >>> 0;
    return (v >>> ((offset & 3) * 8)) & (size === 1 ? 0xff : 0xffff);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (size !== 4 || (offset & 3) !== 0) return; // 32-bit registers only
    this.writeReg(offset, value);
    if (offset === RTC_TIME_LOW || offset === RTC_TIME_HIGH || offset === RTC_ALARM_LOW || offset === RTC_CLEAR_ALARM) {
      this.onDeadlineChange?.();
    }
  }

  private writeReg(offset: number, value: number): void {
    const v = BigInt(value >>> 0);
    switch (offset) {
      case RTC_TIME_LOW: {
        const cur = this.now();
        this.tickOffset += ((cur & ~M32) | v) - cur;
        break;
      }
      case RTC_TIME_HIGH: {
        const cur = this.now();
        this.tickOffset += ((cur & M32) | (v << 32n)) - cur;
        break;
      }
      case RTC_ALARM_LOW:
        this.alarmNext = (this.alarmNext & ~M32 & M64) | v;
        this.armAlarm();
        break;
      case RTC_ALARM_HIGH:
        this.alarmNext = (this.alarmNext & M32) | (v << 32n);
        break;
      case RTC_IRQ_ENABLED:
        this.irqEnabled = (value & 1) === 1;
        this.updateIrq();
        break;
      case RTC_CLEAR_ALARM:
        this.alarmRunning = false;
        break;
      case RTC_CLEAR_INTERRUPT:
        this.irqPending = false;
        this.updateIrq();
        break;
    }
  }

  private armAlarm(): void {
    if (this.alarmNext <= this.now()) {
      this.alarmRunning = false;
      this.irqPending = true;
      log('alarm already due');
    } else {
      this.alarmRunning = true;
      log('alarm armed for %s', this.alarmNext.toString());
    }
    this.updateIrq();
  }

  /** Fire a due alarm (call at slice boundaries). */
  update(): void {
    if (this.alarmRunning && this.alarmNext <= this.now()) {
      this.alarmRunning = false;
      this.irqPending = true;
      log('alarm fired');
      this.updateIrq();
    }
  }

  /** When the running alarm is due, in `clock.nowNs()` nanoseconds; Infinity if none. */
  nextDeadlineNs(): number {
    if (!this.alarmRunning) return Infinity;
    return Number(this.alarmNext - this.epoch - this.tickOffset);
  }

  saveState(): DeviceState {
    return {
      tickOffset: this.tickOffset.toString(),
      alarmNext: this.alarmNext.toString(),
      alarmRunning: this.alarmRunning,
      irqEnabled: this.irqEnabled,
      irqPending: this.irqPending,
      timeHigh: this.timeHigh,
      irqLevel: this.irqLevel,
    };
  }

  loadState(s: DeviceState): void {
    this.tickOffset = BigInt(s.tickOffset as string);
    this.alarmNext = BigInt(s.alarmNext as string);
    this.alarmRunning = s.alarmRunning as boolean;
    this.irqEnabled = s.irqEnabled as boolean;
    this.irqPending = s.irqPending as boolean;
    this.timeHigh = s.timeHigh as number;
    this.irqLevel = s.irqLevel as boolean;
    // No irq.set: the PLIC restores its own view of the line (a set would pend anew).
  }
}

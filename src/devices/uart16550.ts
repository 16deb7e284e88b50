/**
 * NS16550A UART as on QEMU's `virt` board (registers 1 byte apart). QEMU's region is only
 * 8 bytes (the DTB says 0x100; accesses at 0x10000008.. fault there); offsets past the eight
 * registers read 0 and ignore writes here, the board decides whether they fault.
 *
 * Transmission is instantaneous: a THR write hands the byte to `onTransmit` at once, so
 * LSR.THRE/TEMT stay set and, as on QEMU, a THR-empty interrupt follows every write when
 * enabled. Reception: host bytes from `receive` wait in an unbounded host-side queue and move
 * into the 16-byte RX FIFO (1-byte RBR with FIFOs off) whenever there is room, at the guest's
 * own accesses, so what the guest sees depends only on when `receive` was called.
 * There is no character timing, so the "character timeout" indication (IIR 0x0C) is given
 * at once when the FIFO holds data below the trigger level.
 */
import createDebug from 'debug';
import type { DeviceState, IrqLine, MmioDevice } from './device.js';

const log = createDebug('rvrr:dev:uart');

export const UART_SIZE = 0x100;
export const UART_FIFO_SIZE = 16;

// Register numbers.
const RBR_THR_DLL = 0;
const IER_DLM = 1;
const IIR_FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;

// IER bits.
const IER_ERBFI = 0x01;
const IER_ETBEI = 0x02;
const IER_ELSI = 0x04;
const IER_EDSSI = 0x08;
// IIR values.
const IIR_NO_INT = 0x01;
const IIR_MSI = 0x00;
const IIR_THRI = 0x02;
const IIR_RDI = 0x04;
const IIR_RLSI = 0x06;
const IIR_CTI = 0x0c;
const IIR_FIFO_ENABLED = 0xc0;
// FCR bits.
const FCR_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;
// LCR / MCR bits.
const LCR_DLAB = 0x80;
const MCR_LOOP = 0x10;
const MCR_OUT2 = 0x08;
// LSR bits.
const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_PE = 0x04;
const LSR_FE = 0x08;
const LSR_BI = 0x10;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const LSR_INT_ANY = LSR_OE | LSR_PE | LSR_FE | LSR_BI;
// MSR bits (QEMU's idle lines: CTS, DSR, DCD asserted).
const MSR_DELTA = 0x0f;
const MSR_RESET = 0xb0;

const TRIGGER_LEVELS = [1, 4, 8, 14];

export class Uart16550 implements MmioDevice {
  readonly name = 'uart';
  private ier = 0;
  private lcr = 0;
  private mcr = MCR_OUT2;
  /** Error bits of LSR (OE/PE/FE/BI); DR/THRE/TEMT are derived. */
  private lsrErrors = 0;
  /** Modem status: line states in bits 7:4, deltas in bits 3:0. */
  private msr = MSR_RESET;
  private scr = 0;
  private divisor = 0x0c;
  /** Last value written to FCR (bits 7:6 trigger level, bit 0 FIFO enable). */
  private fcr = 0;
  /** THR-empty interrupt pending (cleared by reading IIR when it is the source, or a THR write). */
  private thrIpending = 0;
  private rxFifo: number[] = [];
  /** Last byte received: with FIFOs off an empty RBR reads it again (as on QEMU). */
  private rbr = 0;
  /** Host bytes not yet in the RX FIFO (unbounded). */
  private hostQueue: number[] = [];
  /** Index of the next unconsumed byte in hostQueue (avoids O(n) shifts on long pastes). */
  private hostHead = 0;
  private irqLevel = false;

  /**
   * @param irq        PLIC source line (IRQ 10 on virt)
   * @param onTransmit receives every byte the guest transmits (not in loopback mode)
   */
  constructor(
    private readonly irq: IrqLine,
    private readonly onTransmit: (byte: number) => void,
  ) {}

  reset(): void {
    this.ier = 0;
    this.lcr = 0;
    this.mcr = MCR_OUT2;
    this.lsrErrors = 0;
    this.msr = MSR_RESET;
    this.scr = 0;
    this.divisor = 0x0c;
    this.fcr = 0;
    this.thrIpending = 0;
    this.rxFifo = [];
    this.rbr = 0;
    // Host bytes are input already given to the machine; they stay queued across a reset.
    this.refill();
    this.updateIrq();
  }

  /** Host input: queue bytes for the guest to read. */
  receive(bytes: Uint8Array): void {
    for (const b of bytes) this.hostQueue.push(b);
    this.refill();
    this.updateIrq();
  }

  /** Divisor latch value (baud = 1.8432 MHz / (16 * divisor) on QEMU's model). */
  get divisorLatch(): number {
    return this.divisor;
  }

  private fifoEnabled(): boolean {
    return (this.fcr & FCR_ENABLE) !== 0;
  }

  private rxCapacity(): number {
    return this.fifoEnabled() ? UART_FIFO_SIZE : 1;
  }

  private refill(): void {
    const cap = this.rxCapacity();
    while (this.rxFifo.length < cap && this.hostHead < this.hostQueue.length) {
      this.rxFifo.push(this.hostQueue[this.hostHead++]);
    }
    if (this.hostHead === this.hostQueue.length) {
      this.hostQueue = [];
      this.hostHead = 0;
    } else if (this.hostHead > 4096) {
      this.hostQueue = this.hostQueue.slice(this.hostHead);
      this.hostHead = 0;
    }
  }

  private lsr(): number {
    return (this.rxFifo.length > 0 ? LSR_DR : 0) | LSR_THRE | LSR_TEMT | this.lsrErrors;
  }

  /** The interrupt identification as IIR bits 3:0 (NO_INT if none). */
  private currentIir(): number {
    if (this.ier & IER_ELSI && this.lsrErrors & LSR_INT_ANY) return IIR_RLSI;
    if (this.ier & IER_ERBFI && this.rxFifo.length > 0) {
      if (!this.fifoEnabled()) return IIR_RDI;
      const trigger = TRIGGER_LEVELS[this.fcr >> 6];
      return this.rxFifo.length >= trigger ? IIR_RDI : IIR_CTI;
    }
    if (this.ier & IER_ETBEI && this.thrIpending) return IIR_THRI;
    if (this.ier & IER_EDSSI && this.msr & MSR_DELTA) return IIR_MSI;
    return IIR_NO_INT;
  }

  private updateIrq(): void {
    const level = this.currentIir() !== IIR_NO_INT;
    // Re-asserted at every update while the condition holds, as QEMU's devices do: the PLIC
    // pends the source on each (a completion alone does not).
    if (level || level !== this.irqLevel) this.irq.set(level);
    this.irqLevel = level;
  }

  read(offset: number, _size: 1 | 2 | 4): number {
    if (offset >= 8) return 0;
    const reg = offset;
    let v = 0;
    switch (reg) {
      case RBR_THR_DLL:
        if (this.lcr & LCR_DLAB) {
          v = this.divisor & 0xff;
        } else {
          if (this.rxFifo.length > 0) this.rbr = this.rxFifo.shift()!;
          else if (this.fifoEnabled()) this.rbr = 0;
          v = this.rbr;
          this.refill();
          this.updateIrq();
        }
        break;
      case IER_DLM:
        v = this.lcr & LCR_DLAB ? (this.divisor >> 8) & 0xff : this.ier;
        break;
      case IIR_FCR: {
        const iir = this.currentIir();
        v = iir | (this.fifoEnabled() ? IIR_FIFO_ENABLED : 0);
        // Reading IIR while it reports THR-empty acknowledges that interrupt.
        if (iir === IIR_THRI) {
          this.thrIpending = 0;
          this.updateIrq();
        }
        break;
      }
      case LCR:
        v = this.lcr;
        break;
      case MCR:
        v = this.mcr;
        break;
      case LSR:
        v = this.lsr();
        if (this.lsrErrors) {
          this.lsrErrors = 0; // reading LSR clears the error bits
          this.updateIrq();
        }
        break;
      case MSR:
        v = this.msr;
        if (this.msr & MSR_DELTA) {
          this.msr &= ~MSR_DELTA;
          this.updateIrq();
        }
        break;
      case SCR:
        v = this.scr;
        break;
    }
    return v;
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    if (offset >= 8) return;
    const reg = offset;
    const b = value & 0xff;
    switch (reg) {
      case RBR_THR_DLL:
        if (this.lcr & LCR_DLAB) {
          this.divisor = (this.divisor & 0xff00) | b;
        } else {
          this.transmit(b);
        }
        break;
      case IER_DLM:
        if (this.lcr & LCR_DLAB) {
          this.divisor = (this.divisor & 0x00ff) | (b << 8);
        } else {
          const old = this.ier;
          this.ier = b & 0x0f;
          // Enabling the THR-empty interrupt while THR is empty raises it (as QEMU does).
          if (!(old & IER_ETBEI) && this.ier & IER_ETBEI) this.thrIpending = 1;
          this.updateIrq();
        }
        break;
      case IIR_FCR: {
        const wasEnabled = this.fifoEnabled();
        if ((b & FCR_ENABLE) !== (this.fcr & FCR_ENABLE) || b & FCR_CLEAR_RX) {
          // Toggling FIFO mode or the clear bit empties the receiver (TX is always empty here).
          this.rxFifo = [];
          this.lsrErrors &= ~LSR_OE;
        }
        this.fcr = b & 0xc1;
        if (wasEnabled !== this.fifoEnabled()) log('FIFOs %s', this.fifoEnabled() ? 'on' : 'off');
        this.refill();
        this.updateIrq();
        break;
      }
      case LCR:
        this.lcr = b;
        break;
      case MCR: {
        this.mcr = b & 0x1f;
        this.modemChanged();
        break;
      }
      case LSR:
      case MSR:
        break; // read-only (factory test registers on real parts)
      case SCR:
        this.scr = b;
        break;
    }
  }

  private transmit(b: number): void {
    this.thrIpending = 0;
    if (this.mcr & MCR_LOOP) {
      // Loopback: the byte comes straight back to the receiver, nothing leaves the chip.
      if (this.rxFifo.length < this.rxCapacity()) {
        this.rxFifo.push(b);
      } else {
        this.lsrErrors |= LSR_OE;
        // Without FIFOs the new byte overwrites the holding register; a full FIFO drops it.
        if (!this.fifoEnabled()) this.rxFifo[0] = b;
      }
    } else {
      this.onTransmit(b);
    }
    this.thrIpending = 1; // transmitted at once: THR empty again
    this.updateIrq();
  }

  /** MSR line bits 7:4 as currently seen (loopback maps MCR outputs onto them). */
  private modemLines(): number {
    if (this.mcr & MCR_LOOP) {
      // CTS<-RTS, DSR<-DTR, RI<-OUT1, DCD<-OUT2.
      return ((this.mcr & 0x02) << 3) | ((this.mcr & 0x01) << 5) | ((this.mcr & 0x0c) << 4);
    }
    return MSR_RESET;
  }

  /**
   * New MCR outputs in loopback show up on the MSR lines. As on QEMU (probe.c), no delta
   * bits are set for them; there are no host modem lines, so MSR deltas stay 0.
   */
  private modemChanged(): void {
    this.msr = this.modemLines() | (this.msr & MSR_DELTA);
    this.updateIrq();
  }

  saveState(): DeviceState {
    return {
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      lsrErrors: this.lsrErrors,
      msr: this.msr,
      scr: this.scr,
      divisor: this.divisor,
      fcr: this.fcr,
      thrIpending: this.thrIpending,
      rxFifo: this.rxFifo.slice(),
      rbr: this.rbr,
      hostQueue: this.hostQueue.slice(this.hostHead),
      irqLevel: this.irqLevel,
    };
  }

  loadState(s: DeviceState): void {
    this.ier = s.ier as number;
    this.lcr = s.lcr as number;
    this.mcr = s.mcr as number;
    this.lsrErrors = s.lsrErrors as number;
    this.msr = s.msr as number;
    this.scr = s.scr as number;
    this.divisor = s.divisor as number;
    this.fcr = s.fcr as number;
    this.thrIpending = s.thrIpending as number;
    this.rxFifo = (s.rxFifo as number[]).slice();
    this.rbr = s.rbr as number;
    this.hostQueue = (s.hostQueue as number[]).slice();
    this.hostHead = 0;
    this.irqLevel = s.irqLevel as boolean;
    // No irq.set: the PLIC restores its own view of the line (a set would pend anew).
  }
}

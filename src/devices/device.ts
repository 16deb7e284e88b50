/**
 * The one shape every memory-mapped device has, so the board can wire, save and
 * restore them uniformly (invariant 4 of the design: all state can be saved and restored).
 */

/** A device's saved state: named fields only, never positional arrays of fields. */
export type DeviceState = { [field: string]: unknown };

/**
 * A typed array's values as a plain array, for saved state. Array.from goes through the
 * iterator protocol, about 50 ns an element: a snapshot is taken every million instructions.
 */
export function plainArray(v: ArrayLike<number>): number[] {
  const a = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) a[i] = v[i];
  return a;
}

/**
 * A device on the physical bus.
 *
 * Accesses are 1, 2 or 4 bytes wide. The bus splits an 8-byte access into two 4-byte
 * accesses, low address first, in the same instruction (so at the same icount and
 * virtual time): a 64-bit `ld` of CLINT `mtime` sees a consistent value.
 */
export interface MmioDevice {
  /** Short name, also used in the debug namespace `rvrr:dev:<name>` and in saved state. */
  readonly name: string;
  /** Read `size` bytes at `offset` from the device base; returns the value zero-extended. */
  read(offset: number, size: 1 | 2 | 4): number;
  /** Write the low `size` bytes of `value` at `offset`. */
  write(offset: number, size: 1 | 2 | 4, value: number): void;
  /** Power-on state. */
  reset(): void;
  /** Everything needed to resume exactly here, as a structured-cloneable object. */
  saveState(): DeviceState;
  /** Inverse of saveState. */
  loadState(state: DeviceState): void;
}

/** A level-triggered interrupt line into the PLIC (or, for CLINT, into a hart's `mip`). */
export interface IrqLine {
  set(level: boolean): void;
}

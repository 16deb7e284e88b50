/**
 * The kernel ELF's symbol table for scripts: name -> address and address -> `name+offset`.
 */
import { parseElf, type ElfSymbol } from '../machine/elf.js';

const STT_NOTYPE = 0;
const STT_OBJECT = 1;
const STT_FUNC = 2;

/** A symbol of the loaded ELF. */
export interface SymbolInfo {
  name: string;
  /** Address (signed 64-bit virtual address convention; equals the physical address for bare-metal programs). */
  address: number;
  /** Size in bytes (0 when the ELF does not say). */
  size: number;
  kind: 'function' | 'object' | 'other';
}

/** Where an address falls: a symbol and the offset into it. */
export interface SymbolLocation {
  symbol: SymbolInfo;
  offset: number;
}

/** Looks up functions and data objects of an ELF by name and by address. */
export class SymbolTable {
  private readonly byName = new Map<string, SymbolInfo>();
  /** Sized functions and objects, sorted by address (for `at`). */
  private readonly sorted: SymbolInfo[];

  constructor(symbols: readonly ElfSymbol[]) {
    const all: SymbolInfo[] = [];
    for (const s of symbols) {
      if (s.name === '' || (s.type !== STT_FUNC && s.type !== STT_OBJECT && s.type !== STT_NOTYPE)) continue;
      const info: SymbolInfo = {
        name: s.name,
        address: s.value,
        size: s.size,
        kind: s.type === STT_FUNC ? 'function' : s.type === STT_OBJECT ? 'object' : 'other',
      };
      // Functions and objects win over untyped labels of the same name.
      const prev = this.byName.get(s.name);
      if (prev === undefined || (prev.kind === 'other' && info.kind !== 'other')) this.byName.set(s.name, info);
      all.push(info);
    }
    this.sorted = all.filter((s) => s.kind !== 'other' && s.size > 0).sort((a, b) => a.address - b.address);
  }

  /** The symbols of an ELF file's contents. Throws a one-line error if it is not a valid ELF. */
  static fromElf(bytes: Uint8Array): SymbolTable {
    return new SymbolTable(parseElf(bytes).symbols);
  }

  /** Number of named symbols. */
  get size(): number {
    return this.byName.size;
  }

  /** The symbol called `name`, if any. */
  get(name: string): SymbolInfo | undefined {
    return this.byName.get(name);
  }

  /** The function or object whose [address, address+size) contains `addr`, if any. */
  at(addr: number): SymbolLocation | undefined {
    let lo = 0;
    let hi = this.sorted.length - 1;
    // lo ends as the first symbol starting above addr.
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid].address <= addr) lo = mid + 1;
      else hi = mid - 1;
    }
    // Sized symbols can nest or overlap (rare); scan back a little for one that contains addr.
    for (let i = lo - 1; i >= 0 && i >= lo - 8; i--) {
      const s = this.sorted[i];
      if (addr < s.address + s.size) return { symbol: s, offset: addr - s.address };
    }
    return undefined;
  }

  /** `addr` as `name+offset` (`name` at offset 0), or undefined outside every symbol. */
  describe(addr: number): string | undefined {
    const loc = this.at(addr);
    if (!loc) return undefined;
    return loc.offset === 0 ? loc.symbol.name : `${loc.symbol.name}+${loc.offset}`;
  }

  /** All named symbols. */
  list(): SymbolInfo[] {
    return [...this.byName.values()];
  }
}

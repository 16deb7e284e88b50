/**
 * A flattened device tree (DTB, version 17) writer, and a small reader for checking one.
 *
 * Layout as produced by dtc/libfdt: a 40-byte header, the memory reservation block (at
 * 0x28, terminated by a zero entry), the structure block, then the strings block in which
 * every property name is stored once.
 */

const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_END = 9;
const HEADER_SIZE = 40;

/**
 * A property value: a string, a string list, a 32-bit cell, a cell array, raw bytes,
 * or `true` for an empty (boolean) property.
 */
export type FdtValue = string | string[] | number | number[] | Uint8Array | true;

/** Encode 64-bit values as pairs of big-endian cells (high first), e.g. for `reg`. */
export function cells64(...values: number[]): number[] {
  const out: number[] = [];
  for (const v of values) out.push(Math.floor(v / 2 ** 32) >>> 0, v >>> 0);
  return out;
}

/** A device tree node under construction. */
export class FdtNode {
  readonly props: { name: string; value: Uint8Array }[] = [];
  readonly children: FdtNode[] = [];

  constructor(readonly name: string) {}

  /** Set (or replace) a property. Returns this, for chaining. */
  prop(name: string, value: FdtValue): this {
    const bytes = encodeValue(value);
    const old = this.props.find((p) => p.name === name);
    if (old) old.value = bytes;
    else this.props.push({ name, value: bytes });
    return this;
  }

  /** Add a child node and return it. */
  child(name: string): FdtNode {
    const n = new FdtNode(name);
    this.children.push(n);
    return n;
  }
}

function encodeValue(v: FdtValue): Uint8Array {
  if (v === true) return new Uint8Array(0);
  if (v instanceof Uint8Array) return v.slice();
  if (typeof v === 'string') v = [v];
  if (typeof v === 'number') v = [v];
  if (v.length > 0 && typeof v[0] === 'string') {
    return Buffer.from((v as string[]).map((s) => s + '\0').join(''), 'utf8');
  }
  const cells = v as number[];
  const out = new Uint8Array(cells.length * 4);
  const dv = new DataView(out.buffer);
  cells.forEach((c, i) => dv.setUint32(i * 4, c >>> 0));
  return out;
}

/** A memory reservation entry (address and size in bytes). */
export interface FdtReservation {
  address: number;
  size: number;
}

/** Serialise a tree rooted at `root` (whose name should be '') into a DTB. */
export function encodeDtb(root: FdtNode, opts: { bootCpuidPhys?: number; reservations?: FdtReservation[] } = {}): Uint8Array {
  const strings: number[] = [];
  const stringOffsets = new Map<string, number>();
  const nameOffset = (name: string): number => {
    let off = stringOffsets.get(name);
    if (off === undefined) {
      off = strings.length;
      stringOffsets.set(name, off);
      for (const b of Buffer.from(name + '\0', 'utf8')) strings.push(b);
    }
    return off;
  };

  const struct: number[] = [];
  const u32 = (v: number): void => {
    struct.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  };
  const bytesPadded = (b: Uint8Array): void => {
    for (const x of b) struct.push(x);
    while (struct.length % 4 !== 0) struct.push(0);
  };
  const emit = (n: FdtNode): void => {
    u32(FDT_BEGIN_NODE);
    bytesPadded(Buffer.from(n.name + '\0', 'utf8'));
    for (const p of n.props) {
      u32(FDT_PROP);
      u32(p.value.length);
      u32(nameOffset(p.name));
      bytesPadded(p.value);
    }
    for (const c of n.children) emit(c);
    u32(FDT_END_NODE);
  };
  emit(root);
  u32(FDT_END);

  const rsv = opts.reservations ?? [];
  const rsvSize = (rsv.length + 1) * 16;
  const offRsv = HEADER_SIZE;
  const offStruct = offRsv + rsvSize;
  const offStrings = offStruct + struct.length;
  const total = offStrings + strings.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const hdr = [FDT_MAGIC, total, offStruct, offStrings, offRsv, 17, 16, opts.bootCpuidPhys ?? 0, strings.length, struct.length];
  hdr.forEach((v, i) => dv.setUint32(i * 4, v));
  rsv.forEach((r, i) => {
    dv.setBigUint64(offRsv + i * 16, BigInt(r.address));
    dv.setBigUint64(offRsv + i * 16 + 8, BigInt(r.size));
  });
  out.set(struct, offStruct);
  out.set(strings, offStrings);
  return out;
}

/** A decoded node: properties as raw bytes, children in order. */
export interface DecodedNode {
  name: string;
  props: Map<string, Uint8Array>;
  children: DecodedNode[];
}

/** Decode a DTB (for checks and diagnostics); throws on a malformed blob. */
export function decodeDtb(dtb: Uint8Array): { root: DecodedNode; reservations: FdtReservation[]; bootCpuidPhys: number } {
  const dv = new DataView(dtb.buffer, dtb.byteOffset, dtb.byteLength);
  if (dtb.length < HEADER_SIZE || dv.getUint32(0) !== FDT_MAGIC) throw new Error('not a flattened device tree (bad magic)');
  const total = dv.getUint32(4);
  if (total > dtb.length) throw new Error(`truncated device tree: totalsize ${total} > ${dtb.length} bytes`);
  const offStruct = dv.getUint32(8), offStrings = dv.getUint32(12), offRsv = dv.getUint32(16);
  const reservations: FdtReservation[] = [];
  for (let o = offRsv; ; o += 16) {
    const address = Number(dv.getBigUint64(o)), size = Number(dv.getBigUint64(o + 8));
    if (address === 0 && size === 0) break;
    reservations.push({ address, size });
  }
  const cstr = (o: number): [string, number] => {
    let e = o;
    while (dtb[e] !== 0) {
      if (e >= total) throw new Error('device tree string runs off the end');
      e++;
    }
    return [Buffer.from(dtb.subarray(o, e)).toString('utf8'), e + 1];
  };
  let p = offStruct;
  const align = (): void => {
    p = (p + 3) & ~3;
  };
  const stack: DecodedNode[] = [];
  let root: DecodedNode | undefined;
  for (;;) {
    if (p + 4 > total) throw new Error('device tree structure block runs off the end');
    const tok = dv.getUint32(p);
    p += 4;
    if (tok === FDT_BEGIN_NODE) {
      const [name, next] = cstr(p);
      p = next;
      align();
      const n: DecodedNode = { name, props: new Map(), children: [] };
      if (stack.length > 0) stack[stack.length - 1].children.push(n);
      else root = n;
      stack.push(n);
    } else if (tok === FDT_PROP) {
      const len = dv.getUint32(p), nameoff = dv.getUint32(p + 4);
      p += 8;
      const [name] = cstr(offStrings + nameoff);
      if (stack.length === 0) throw new Error('device tree property outside a node');
      stack[stack.length - 1].props.set(name, dtb.slice(p, p + len));
      p += len;
      align();
    } else if (tok === FDT_END_NODE) {
      if (stack.pop() === undefined) throw new Error('device tree has an unbalanced END_NODE');
    } else if (tok === FDT_END) {
      break;
    } else if (tok !== 4 /* FDT_NOP */) {
      throw new Error(`bad device tree token ${tok} at 0x${(p - 4).toString(16)}`);
    }
  }
  if (root === undefined || stack.length !== 0) throw new Error('device tree structure is incomplete');
  return { root, reservations, bootCpuidPhys: dv.getUint32(28) };
}

/** Find a node by absolute path ("/soc/serial@10000000") in a decoded tree. */
export function findNode(root: DecodedNode, path: string): DecodedNode | undefined {
  let n: DecodedNode | undefined = root;
  for (const part of path.split('/').filter((s) => s !== '')) {
    n = n.children.find((c: DecodedNode) => c.name === part);
    if (n === undefined) return undefined;
  }
  return n;
}

/**
 * A small WebAssembly binary encoder: just what the wasm block compiler (compile.ts) emits.
 * A module has one imported memory, imported functions and defined functions of its own
 * types; bodies are written as bytes through `Code`, whose methods are named after the
 * instructions they append (the binary format of the WebAssembly core spec, section 5).
 */

/** Value types. */
export const I32 = 0x7f, I64 = 0x7e, F64 = 0x7c;
/** Block type of a block/loop/if without results. */
const VOID = 0x40;

/** Opcodes used by the compiler. */
export const OP = {
  unreachable: 0x00, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d,
  return: 0x0f, call: 0x10, drop: 0x1a, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, i64Load: 0x29, f64Load: 0x2b, i32Store: 0x36, i64Store: 0x37, f64Store: 0x39,
  i32Const: 0x41, i64Const: 0x42, f64Const: 0x44,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtU: 0x49, i32GtU: 0x4b, i32LeU: 0x4d, i32GeS: 0x4e, f64Eq: 0x61,
  i64Eqz: 0x50, i64Eq: 0x51, i64Ne: 0x52, i64LtS: 0x53, i64LtU: 0x54, i64GeS: 0x59, i64GeU: 0x5a,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32DivS: 0x6d, i32DivU: 0x6e, i32RemS: 0x6f, i32RemU: 0x70,
  i32And: 0x71, i32Or: 0x72, i32Xor: 0x73, i32Shl: 0x74, i32ShrS: 0x75, i32ShrU: 0x76,
  i64Add: 0x7c, i64Sub: 0x7d, i64Mul: 0x7e, i64DivS: 0x7f, i64DivU: 0x80, i64RemS: 0x81, i64RemU: 0x82,
  i64And: 0x83, i64Or: 0x84, i64Xor: 0x85, i64Shl: 0x86, i64ShrS: 0x87, i64ShrU: 0x88,
  f64Add: 0xa0, f64Sub: 0xa1, f64Mul: 0xa2,
  i32WrapI64: 0xa7, i64ExtendI32S: 0xac, i64ExtendI32U: 0xad,
  f64ConvertI32S: 0xb7, f64ConvertI32U: 0xb8,
} as const;

/** Unsigned LEB128. */
function uleb(out: number[], v: number): void {
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

/** Signed LEB128 of a bigint (i64 immediates). */
function slebBig(out: number[], v: bigint): void {
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) { out.push(b); return; }
    out.push(b | 0x80);
  }
}

/** Signed LEB128 of an int32. */
function sleb32(out: number[], v: number): void {
  v |= 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) { out.push(b); return; }
    out.push(b | 0x80);
  }
}

const f64Bytes = new Float64Array(1);
const f64U8 = new Uint8Array(f64Bytes.buffer);

/** A function body under construction: its extra locals and its instructions. */
export class Code {
  readonly bytes: number[] = [];
  /** Types of the locals declared after the parameters, in order. */
  readonly locals: number[] = [];

  constructor(readonly paramCount: number) {}

  /** Declare a local of type `t`; returns its index. */
  local(t: number): number {
    this.locals.push(t);
    return this.paramCount + this.locals.length - 1;
  }
  op(...ops: number[]): this { for (const o of ops) this.bytes.push(o); return this; }
  get(i: number): this { this.bytes.push(OP.localGet); uleb(this.bytes, i); return this; }
  set(i: number): this { this.bytes.push(OP.localSet); uleb(this.bytes, i); return this; }
  tee(i: number): this { this.bytes.push(OP.localTee); uleb(this.bytes, i); return this; }
  i32(v: number): this { this.bytes.push(OP.i32Const); sleb32(this.bytes, v); return this; }
  /** Push global 0: the hart's wasm area (a module importing it with `importBase`). */
  base(): this { this.bytes.push(0x23, 0x00); return this; }
  i64(v: bigint): this { this.bytes.push(OP.i64Const); slebBig(this.bytes, BigInt.asIntN(64, v)); return this; }
  f64(v: number): this {
    this.bytes.push(OP.f64Const);
    f64Bytes[0] = v;
    for (const b of f64U8) this.bytes.push(b);
    return this;
  }
  /** A load or store with alignment log2 `align` at constant `offset` from the address on the stack. */
  mem(opcode: number, align: number, offset: number): this {
    this.bytes.push(opcode); uleb(this.bytes, align); uleb(this.bytes, offset); return this;
  }
  block(): this { this.bytes.push(OP.block, VOID); return this; }
  loop(): this { this.bytes.push(OP.loop, VOID); return this; }
  if(): this { this.bytes.push(OP.if, VOID); return this; }
  /** `if` producing one value of type `t`. */
  ifT(t: number): this { this.bytes.push(OP.if, t); return this; }
  else(): this { this.bytes.push(OP.else); return this; }
  end(): this { this.bytes.push(OP.end); return this; }
  br(depth: number): this { this.bytes.push(OP.br); uleb(this.bytes, depth); return this; }
  brIf(depth: number): this { this.bytes.push(OP.brIf); uleb(this.bytes, depth); return this; }
  call(f: number): this { this.bytes.push(OP.call); uleb(this.bytes, f); return this; }
  /** call_indirect through table 0 with function type `type` (the element index on the stack). */
  callIndirect(type: number): this { this.bytes.push(0x11); uleb(this.bytes, type); this.bytes.push(0x00); return this; }
  /** br_table: to labels[i] for i on the stack, else to `otherwise`. */
  brTable(labels: number[], otherwise: number): this {
    this.bytes.push(0x0e); uleb(this.bytes, labels.length);
    for (const l of labels) uleb(this.bytes, l);
    uleb(this.bytes, otherwise);
    return this;
  }
}

/** A function type: parameter and result value types. */
export interface FuncType { params: number[]; results: number[] }

/** Builds one module importing memory `env.mem` and functions from `env`. */
export class ModuleBuilder {
  private readonly types: FuncType[] = [];
  private readonly imports: { name: string; type: number }[] = [];
  private readonly funcs: { type: number; code: Code; exportAs?: string }[] = [];

  /** Whether the module imports the table `env.tbl` (funcref) for call_indirect. */
  private table = 0;

  /** Import table `env.tbl` of at least `min` functions (for `callIndirect`). */
  importTable(min: number): void {
    this.table = min;
  }

  /** Whether the module imports the immutable i32 global `env.base` (global 0). */
  private base = false;

  /** Import `env.base`, an immutable i32 (read with `Code.base()`). */
  importBase(): void {
    this.base = true;
  }

  /** The index of function type `t` (added if new): call it first to fix the indices `callIndirect` uses. */
  typeIndex(t: FuncType): number {
    const k = this.types.findIndex((u) => u.params.join() === t.params.join() && u.results.join() === t.results.join());
    if (k >= 0) return k;
    this.types.push(t);
    return this.types.length - 1;
  }

  /** Import function `env.<name>`; returns its function index. Call before any `func`. */
  importFunc(name: string, t: FuncType): number {
    if (this.funcs.length > 0) throw new Error('wasm encoder: imports must come before functions');
    this.imports.push({ name, type: this.typeIndex(t) });
    return this.imports.length - 1;
  }

  /** Define a function (exported as `exportAs` when given); returns its function index. */
  func(t: FuncType, code: Code, exportAs?: string): number {
    this.funcs.push({ type: this.typeIndex(t), code, exportAs });
    return this.imports.length + this.funcs.length - 1;
  }

  /** The function index the next `func` call will get (for calls to it from earlier bodies). */
  get nextFunc(): number {
    return this.imports.length + this.funcs.length;
  }

  /** The module's binary. */
  encode(): Uint8Array {
    // Parts copied once into the result at the end (function bodies are large: copying them
    // byte by byte through intermediate arrays was most of a module's encoding time).
    const parts: number[][] = [[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]];
    const section = (id: number, body: number[]) => { const h = [id]; uleb(h, body.length); parts.push(h, body); };
    const name = (b: number[], s: string) => { uleb(b, s.length); for (let i = 0; i < s.length; i++) b.push(s.charCodeAt(i)); };

    const ty: number[] = [];
    uleb(ty, this.types.length);
    for (const t of this.types) {
      ty.push(0x60);
      uleb(ty, t.params.length); ty.push(...t.params);
      uleb(ty, t.results.length); ty.push(...t.results);
    }
    section(1, ty);

    const im: number[] = [];
    uleb(im, this.imports.length + 1 + (this.table > 0 ? 1 : 0) + (this.base ? 1 : 0));
    name(im, 'env'); name(im, 'mem'); im.push(0x02, 0x00, 0x01); // memory, min 1 page, no max
    if (this.table > 0) { name(im, 'env'); name(im, 'tbl'); im.push(0x01, 0x70, 0x00); uleb(im, this.table); } // funcref, min, no max
    if (this.base) { name(im, 'env'); name(im, 'base'); im.push(0x03, 0x7f, 0x00); } // global i32, immutable
    for (const i of this.imports) { name(im, 'env'); name(im, i.name); im.push(0x00); uleb(im, i.type); }
    section(2, im);

    const fn: number[] = [];
    uleb(fn, this.funcs.length);
    for (const f of this.funcs) uleb(fn, f.type);
    section(3, fn);

    const ex: number[] = [];
    const exported = this.funcs.map((f, k) => [f, k] as const).filter(([f]) => f.exportAs !== undefined);
    uleb(ex, exported.length);
    for (const [f, k] of exported) { name(ex, f.exportAs!); ex.push(0x00); uleb(ex, this.imports.length + k); }
    section(7, ex);

    const co: number[][] = [];
    let coBytes = 0;
    const count: number[] = [];
    uleb(count, this.funcs.length);
    co.push(count); coBytes += count.length;
    for (const f of this.funcs) {
      const body: number[] = [];
      // Locals, run-length grouped by type.
      const groups: [number, number][] = [];
      for (const t of f.code.locals) {
        const g = groups[groups.length - 1];
        if (g !== undefined && g[1] === t) g[0]++;
        else groups.push([1, t]);
      }
      uleb(body, groups.length);
      for (const [n, t] of groups) { uleb(body, n); body.push(t); }
      const size: number[] = [];
      uleb(size, body.length + f.code.bytes.length + 1);
      co.push(size, body, f.code.bytes, [OP.end]);
      coBytes += size.length + body.length + f.code.bytes.length + 1;
    }
    const h = [10];
    uleb(h, coBytes);
    parts.push(h, ...co);
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    n = 0;
    for (const p of parts) { out.set(p, n); n += p.length; }
    return out;
  }
}

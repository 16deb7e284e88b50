/**
 * F and D instructions inside wasm blocks (gen.ts calls `emitFp`). The f registers, fcsr and
 * mstatus live in the hart's wasm area (area.ts), so the code reads and writes them
 * in place and an instruction it declines runs its interpreter handler (the exec helper) on
 * the same state, with nothing to spill but the x registers.
 *
 * An instruction runs inline only when mstatus.FS is Dirty (so the interpreter would neither
 * trap nor change mstatus), the rounding mode is round-to-nearest-even (rm 0, or dynamic with
 * frm 0; fcvt to an integer also rtz) and the operands and result are ordinary: the checks are
 * those of fpfast.ts (which explains why each result and its flags equal the softfloat
 * path's), written in wasm f64 arithmetic, which is IEEE binary64 round-to-nearest as V8's
 * doubles are. Anything else (NaN, infinities, subnormals, results near the range limits,
 * other rounding modes, NaN-boxing faults, fclass, TLB misses of flw/fld/fsw/fsd) goes to the
 * handler exactly as the interpreter runs it.
 */
import type { Op } from '../op.js';
import { Code, OP, I32, I64, F64 } from './encoder.js';
import { WASM_F, WASM_FCSR, WASM_MSTATUS } from './area.js';

/** What gen.ts's BlockEmitter lends this module. */
export interface FpHost {
  readonly c: Code;
  reg(r: number): void;
  setReg(r: number, value: () => void): void;
  /** The instruction through its handler, from `depth` below the block's exit label. */
  exec(op: Op, pc: number, k: number, depth: number, id: number): void;
  /** Push the i32 condition "the access of `size` bytes at rs1 + imm hits the mirror" (write: the write mirror). */
  probe(op: Op, size: number, write: boolean): void;
  /** Push the host address of the access probed last (valid when the probe hit). */
  host(write: boolean): void;
}

const FS = 3 << 13;
const NX = 1;
const p2 = (e: number) => 2 ** e;
const MIN64 = p2(-1022), MAX64 = Number.MAX_VALUE;
const MIN32 = p2(-126), MAX32 = (2 - p2(-23)) * p2(127);
const B500 = p2(500), B990 = p2(990), B1000 = p2(1000), B1020 = p2(1020), L900 = p2(-900), T53 = p2(53);
const SPLITTER = 134217729;

// Opcodes not in encoder.ts's table.
const F = {
  f32Load: 0x2a, i64Load32U: 0x35, f32Store: 0x38, i32Store: 0x36,
  eq: 0x61, ne: 0x62, lt: 0x63, gt: 0x64, le: 0x65, ge: 0x66,
  abs: 0x99, neg: 0x9a, trunc: 0x9d, nearest: 0x9e, sqrt: 0x9f, add: 0xa0, sub: 0xa1, mul: 0xa2, div: 0xa3,
  i32TruncS: 0xaa, i64TruncS: 0xb0, i64TruncU: 0xb1, convI64S: 0xb9, demote: 0xb6, promote: 0xbb,
  i64Reinterpret: 0xbd, f64Reinterpret: 0xbf, i32Reinterpret: 0xbc,
} as const;

/** Whether the wasm tier runs F/D instructions inside its blocks (else they end blocks, the JS compiler's). */
let on = true;
/** Turn F/D in wasm blocks on or off (tests and the benchmark compare both). */
export function setWasmFp(v: boolean): void { on = v; }
export function wasmFpOn(): boolean { return on; }

/** F/D instructions (op names of the decoder). */
export const FP_NAMES = new Set(['flw', 'fld', 'fsw', 'fsd', 'op-fp', 'fmadd', 'fmsub', 'fnmsub', 'fnmadd']);

/** The f64 and i64 temporaries of one block's F/D code (declared once per block function). */
interface Temps { a: number; b: number; d: number; r: number; s: number; t: number; u: number; v: number; w: number; z: number; h1: number; l1: number; h2: number; l2: number; i: number; x: number }
const temps = new WeakMap<Code, Temps>();

function tempsOf(c: Code): Temps {
  let t = temps.get(c);
  if (t === undefined) {
    const f = () => c.local(F64);
    t = { a: f(), b: f(), d: f(), r: f(), s: f(), t: f(), u: f(), v: f(), w: f(), z: f(), h1: f(), l1: f(), h2: f(), l2: f(), i: c.local(I32), x: c.local(I64) };
    temps.set(c, t);
  }
  return t;
}

/**
 * Code of one F/D instruction, the k-th of the block, at `pc`, `depth` labels below the block's
 * exit, `id` its op number for the exec helper. Shape: block $done { block $slow { guards and
 * the inline computation, each check that fails leaving $slow; br $done } the handler }.
 */
export function emitFp(e: FpHost, op: Op, pc: number, k: number, depth: number, id: number): void {
  const c = e.c;
  const g = new FpGen(e, op);
  c.block().block();
  // Nothing inline (body() false): no guards either, $slow falls through to the handler.
  g.body();
  c.end();
  e.exec(op, pc, k, depth + 1, id);
  c.end();
}

class FpGen {
  private readonly c: Code;
  private readonly t: Temps;
  /** Labels between the code being emitted and $slow (0 directly inside it). */
  private lvl = 0;
  private readonly insn: number;

  constructor(private readonly e: FpHost, private readonly op: Op) {
    this.c = e.c;
    this.t = tempsOf(e.c);
    this.insn = op.insn >>> 0;
  }

  /** Leave to the handler when the i32 on the stack is non-zero. */
  private declineIf(): void { this.c.brIf(this.lvl); }
  /** Leave to the handler unless the i32 on the stack is non-zero. */
  private declineUnless(): void { this.c.op(OP.i32Eqz).brIf(this.lvl); }
  /** Done: skip the handler. */
  private commit(): void { this.c.br(this.lvl + 1); }
  private if(): void { this.c.if(); this.lvl++; }
  private else(): void { this.c.else(); }
  private end(): void { this.c.end(); this.lvl--; }

  /** mstatus.FS must be Dirty: then the handler would neither trap nor write mstatus. */
  private fsGuard(): void {
    this.c.base().mem(OP.i32Load, 2, WASM_MSTATUS).i32(FS).op(OP.i32And).i32(FS).op(OP.i32Ne);
    this.declineIf();
  }
  /** Round to nearest even: rm 0, or rm 7 with frm 0. False when the instruction names another mode. */
  private rneGuard(rm: number): boolean {
    if (rm === 0) return true;
    if (rm !== 7) return false;
    this.c.base().mem(OP.i32Load, 2, WASM_FCSR).i32(0xe0).op(OP.i32And);
    this.declineIf();
    return true;
  }
  /** fflags |= NX when the i32 on the stack is non-zero (it is 0 or 1). */
  private accrueNx(): void {
    const c = this.c;
    c.set(this.t.i);
    c.base().base().mem(OP.i32Load, 2, WASM_FCSR).get(this.t.i).op(OP.i32Or).mem(OP.i32Store, 2, WASM_FCSR);
  }

  /** Push f[r] as binary64. */
  private fd(r: number): void { this.c.base().mem(OP.f64Load, 3, WASM_F + 8 * r); }
  /** Push f[r] as a binary32 value widened to f64, declining when it is not NaN-boxed. */
  private fs(r: number): void {
    this.boxed(r);
    this.c.base().mem(F.f32Load, 2, WASM_F + 8 * r).op(F.promote);
  }
  private boxed(r: number): void {
    this.c.base().mem(OP.i32Load, 2, WASM_F + 8 * r + 4).i32(-1).op(OP.i32Ne);
    this.declineIf();
  }
  private fval(r: number, dbl: boolean): void { if (dbl) this.fd(r); else this.fs(r); }
  /** f[rd] = the f64 in local l (a binary32 value when !dbl: stored NaN-boxed). */
  private put(rd: number, l: number, dbl: boolean): void {
    const c = this.c;
    if (dbl) { c.base().get(l).mem(OP.f64Store, 3, WASM_F + 8 * rd); return; }
    c.base().get(l).op(F.demote).mem(F.f32Store, 2, WASM_F + 8 * rd);
    c.base().i32(-1).mem(F.i32Store, 2, WASM_F + 8 * rd + 4);
  }
  /** Push |local l| <= / < / > / >= bound as i32. */
  private absCmp(l: number, cmp: number, bound: number): void { this.c.get(l).op(F.abs).f64(bound).op(cmp); }
  /** Push the exact error of a * b with p = RN(a * b) (twoProductErr, bits.ts: Dekker's product). */
  private productErr(a: number, b: number, p: number): void {
    const c = this.c, t = this.t;
    c.f64(SPLITTER).get(a).op(F.mul).set(t.z);
    c.get(t.z).get(t.z).get(a).op(F.sub, F.sub).set(t.h1);
    c.get(a).get(t.h1).op(F.sub).set(t.l1);
    c.f64(SPLITTER).get(b).op(F.mul).set(t.z);
    c.get(t.z).get(t.z).get(b).op(F.sub, F.sub).set(t.h2);
    c.get(b).get(t.h2).op(F.sub).set(t.l2);
    // ((ah * bh - p) + ah * bl + al * bh) + al * bl
    c.get(t.h1).get(t.h2).op(F.mul).get(p).op(F.sub);
    c.get(t.h1).get(t.l2).op(F.mul, F.add);
    c.get(t.l1).get(t.h2).op(F.mul, F.add);
    c.get(t.l1).get(t.l2).op(F.mul, F.add);
  }
  /** The i32 "binary32 result r is deliverable": MIN32 < |r| <= MAX32. */
  private ok32(r: number): void {
    this.absCmp(r, F.gt, MIN32); this.absCmp(r, F.le, MAX32); this.c.op(OP.i32And);
  }
  /** local r = fround(local s). */
  private fround(s: number, r: number): void { this.c.get(s).op(F.demote, F.promote).set(r); }

  /** Emit the guards and inline code; false when the instruction is never inline. */
  body(): boolean {
    const name = this.op.name;
    if (name === 'fld' || name === 'flw' || name === 'fsd' || name === 'fsw') return this.memory(name);
    const insn = this.insn;
    const opcode = insn & 0x7f, rm = (insn >>> 12) & 7, fmt = (insn >>> 25) & 3;
    const rd = (insn >>> 7) & 31, rs1 = (insn >>> 15) & 31, rs2 = (insn >>> 20) & 31, rs3 = insn >>> 27;
    if (fmt > 1) return false;
    const dbl = fmt === 1;
    if (opcode !== 0x53) {
      if (opcode !== 0x43 && opcode !== 0x47 && opcode !== 0x4b && opcode !== 0x4f) return false;
      if (rm !== 0 && rm !== 7) return false;
      this.fsGuard(); this.rneGuard(rm);
      const which = (insn >>> 2) & 3; // 0 FMADD, 1 FMSUB, 2 FNMSUB, 3 FNMADD
      const neg = (which >= 2 ? 1 : 0) | (which === 1 || which === 3 ? 2 : 0);
      if (dbl) this.fma64(rd, rs1, rs2, rs3, neg); else this.fma32(rd, rs1, rs2, rs3, neg);
      return true;
    }
    const f5 = insn >>> 27;
    switch (f5) {
      case 0x00: case 0x01: case 0x02: case 0x03: case 0x0b: {
        if ((rm !== 0 && rm !== 7) || (f5 === 0x0b && rs2 !== 0)) return false;
        this.fsGuard(); this.rneGuard(rm);
        if (f5 <= 1) { if (dbl) this.add64(rd, rs1, rs2, f5); else this.add32(rd, rs1, rs2, f5); }
        else if (f5 === 2) { if (dbl) this.mul64(rd, rs1, rs2); else this.mul32(rd, rs1, rs2); }
        else if (f5 === 3) { if (dbl) this.div64(rd, rs1, rs2); else this.div32(rd, rs1, rs2); }
        else if (dbl) this.sqrt64(rd, rs1); else this.sqrt32(rd, rs1);
        return true;
      }
      case 0x04: return rm <= 2 ? (this.sgnj(rd, rs1, rs2, rm, dbl), true) : false;
      case 0x05: return rm <= 1 ? (this.minmax(rd, rs1, rs2, rm, dbl), true) : false;
      case 0x14: return rm <= 2 ? (this.compare(rd, rs1, rs2, rm, dbl), true) : false;
      case 0x08: {
        if ((rm !== 0 && rm !== 7) || rs2 !== (dbl ? 0 : 1)) return false;
        this.fsGuard(); this.rneGuard(rm);
        this.convertFloat(rd, rs1, dbl);
        return true;
      }
      case 0x1a: {
        if ((rm !== 0 && rm !== 7) || rs2 > 3) return false;
        this.fsGuard(); this.rneGuard(rm);
        this.fromInt(rd, rs1, rs2, dbl);
        return true;
      }
      case 0x18: {
        if (rs2 > 3 || (rm !== 1 && rm !== 0 && rm !== 7)) return false;
        this.fsGuard(); this.rneGuard(rm);
        this.toInt(rd, rs1, rs2, rm === 1, dbl);
        return true;
      }
      case 0x1c: { // FMV.X.W / FMV.X.D (funct3 0; 1 is FCLASS)
        if (rm !== 0 || rs2 !== 0) return false;
        this.fsGuard();
        const c = this.c;
        this.e.setReg(rd, () => {
          if (dbl) c.base().mem(OP.i64Load, 3, WASM_F + 8 * rs1);
          else c.base().mem(OP.i32Load, 2, WASM_F + 8 * rs1).op(OP.i64ExtendI32S);
        });
        this.commit();
        return true;
      }
      case 0x1e: { // FMV.W.X / FMV.D.X
        if (rm !== 0 || rs2 !== 0) return false;
        this.fsGuard();
        const c = this.c;
        c.base(); this.e.reg(rs1);
        if (!dbl) c.i64(-(1n << 32n)).op(OP.i64Or);
        c.mem(OP.i64Store, 3, WASM_F + 8 * rd);
        this.commit();
        return true;
      }
      default: return false;
    }
  }

  /** flw/fld/fsw/fsd: inline when FS is Dirty and the mirror has the page; the handler otherwise. */
  private memory(name: string): boolean {
    const c = this.c, op = this.op;
    const size = name === 'fld' || name === 'fsd' ? 8 : 4;
    const load = name[1] === 'l';
    this.fsGuard();
    this.e.probe(op, size, !load);
    this.declineUnless();
    if (load) {
      const rd = op.d >> 1;
      c.base();
      this.e.host(false);
      if (size === 8) c.mem(OP.i64Load, 0, 0);
      else c.mem(F.i64Load32U, 0, 0).i64(-(1n << 32n)).op(OP.i64Or);
      c.mem(OP.i64Store, 3, WASM_F + 8 * rd);
    } else {
      const rs2 = op.s2 >> 1;
      this.e.host(true);
      if (size === 8) c.base().mem(OP.i64Load, 3, WASM_F + 8 * rs2).mem(OP.i64Store, 0, 0);
      else c.base().mem(OP.i32Load, 2, WASM_F + 8 * rs2).mem(F.i32Store, 0, 0);
    }
    this.commit();
    return true;
  }

  private add64(rd: number, r1: number, r2: number, sub: number): void {
    const c = this.c, t = this.t;
    this.fd(r1); c.set(t.a);
    this.fd(r2); if (sub) c.op(F.neg); c.set(t.b);
    this.absCmp(t.a, F.le, B1020); this.absCmp(t.b, F.le, B1020); c.op(OP.i32And); this.declineUnless();
    c.get(t.a).get(t.b).op(F.add).set(t.r);
    // An exact zero: the host's sign is RNE's.
    c.get(t.r).f64(0).op(F.eq); this.if(); this.put(rd, t.r, true); this.commit(); this.end();
    this.absCmp(t.r, F.gt, MIN64); this.declineUnless();
    this.put(rd, t.r, true);
    this.sumErr(t.a, t.b, t.r); c.f64(0).op(F.ne); this.accrueNx();
    this.commit();
  }
  /** Push the error of r = RN(a + b) (twoSum). */
  private sumErr(a: number, b: number, r: number): void {
    const c = this.c, t = this.t;
    c.get(r).get(a).op(F.sub).set(t.z); // bb
    c.get(a).get(r).get(t.z).op(F.sub, F.sub).get(b).get(t.z).op(F.sub, F.add);
  }

  private mul64(rd: number, r1: number, r2: number): void {
    const c = this.c, t = this.t;
    this.fd(r1); c.set(t.a); this.fd(r2); c.set(t.b);
    c.get(t.a).get(t.b).op(F.mul).set(t.r);
    c.get(t.r).f64(0).op(F.eq); this.if();
    // Exact only when an operand is zero (the other finite), not an underflow.
    c.get(t.a).f64(0).op(F.eq); this.absCmp(t.b, F.le, MAX64); c.op(OP.i32And);
    c.get(t.b).f64(0).op(F.eq); this.absCmp(t.a, F.le, MAX64); c.op(OP.i32And, OP.i32Or);
    this.declineUnless();
    this.put(rd, t.r, true); this.commit();
    this.end();
    this.absCmp(t.r, F.ge, L900); this.absCmp(t.r, F.le, B1000); c.op(OP.i32And);
    this.absCmp(t.a, F.le, B990); c.op(OP.i32And); this.absCmp(t.b, F.le, B990); c.op(OP.i32And);
    this.declineUnless();
    this.put(rd, t.r, true);
    this.productErr(t.a, t.b, t.r); c.f64(0).op(F.ne); this.accrueNx();
    this.commit();
  }

  private div64(rd: number, r1: number, r2: number): void {
    const c = this.c, t = this.t;
    this.fd(r1); c.set(t.a); this.fd(r2); c.set(t.b);
    c.get(t.a).get(t.b).op(F.div).set(t.r);
    c.get(t.a).f64(0).op(F.eq); this.if();
    c.get(t.r).f64(0).op(F.eq); this.declineUnless(); // 0/0, 0/NaN
    this.put(rd, t.r, true); this.commit();
    this.end();
    this.absCmp(t.a, F.ge, L900); this.absCmp(t.a, F.le, B1000); c.op(OP.i32And);
    this.absCmp(t.b, F.le, B990); c.op(OP.i32And);
    this.absCmp(t.r, F.gt, MIN64); c.op(OP.i32And); this.absCmp(t.r, F.le, B990); c.op(OP.i32And);
    this.declineUnless();
    this.put(rd, t.r, true);
    // (a - q*b) - err(q*b) is zero exactly when the remainder is (fpfast.ts div64).
    c.get(t.r).get(t.b).op(F.mul).set(t.s);
    c.get(t.a).get(t.s).op(F.sub); this.productErr(t.r, t.b, t.s); c.op(F.sub).f64(0).op(F.ne); this.accrueNx();
    this.commit();
  }

  private sqrt64(rd: number, r1: number): void {
    const c = this.c, t = this.t;
    this.fd(r1); c.set(t.a);
    c.get(t.a).f64(0).op(F.eq); this.if(); this.put(rd, t.a, true); this.commit(); this.end(); // sqrt(-0) = -0
    c.get(t.a).f64(L900).op(F.ge).get(t.a).f64(B1000).op(F.le, OP.i32And); this.declineUnless();
    c.get(t.a).op(F.sqrt).set(t.r);
    this.put(rd, t.r, true);
    c.get(t.r).get(t.r).op(F.mul).set(t.s);
    c.get(t.a).get(t.s).op(F.sub); this.productErr(t.r, t.r, t.s); c.op(F.sub).f64(0).op(F.ne); this.accrueNx();
    this.commit();
  }

  /** fpfast.ts fma64, step by step (see there why r and its NX are right). */
  private fma64(rd: number, r1: number, r2: number, r3: number, neg: number): void {
    const c = this.c, t = this.t;
    this.fd(r1); if (neg & 1) c.op(F.neg); c.set(t.a);
    this.fd(r2); c.set(t.b);
    this.fd(r3); if (neg & 2) c.op(F.neg); c.set(t.d);
    this.absCmp(t.a, F.le, B500); this.absCmp(t.b, F.le, B500); c.op(OP.i32And); this.absCmp(t.d, F.le, B1000); c.op(OP.i32And);
    this.declineUnless();
    const P = t.s;
    c.get(t.a).get(t.b).op(F.mul).set(P);
    c.get(P).f64(0).op(F.eq); this.if();
    c.get(t.a).f64(0).op(F.eq).get(t.b).f64(0).op(F.eq, OP.i32Or); this.declineUnless();
    c.get(P).get(t.d).op(F.add).set(t.r);
    c.get(t.r).f64(0).op(F.eq); this.absCmp(t.r, F.gt, MIN64); c.op(OP.i32Or); this.declineUnless();
    this.put(rd, t.r, true); this.commit();
    this.end();
    this.absCmp(P, F.ge, L900); this.declineUnless();
    this.productErr(t.a, t.b, P); c.set(t.t); // pe
    // s = P + c; t' = err; u = t' + pe; v = err; r = s + u; w = err. Locals: a <- s, b <- t', u, v, r, w.
    const s = t.a, tt = t.b, pe = t.t;
    c.get(P).get(t.d).op(F.add).set(s);
    c.get(s).get(P).op(F.sub).set(t.z);
    c.get(P).get(s).get(t.z).op(F.sub, F.sub).get(t.d).get(t.z).op(F.sub, F.add).set(tt);
    c.get(tt).get(pe).op(F.add).set(t.u);
    c.get(t.u).get(tt).op(F.sub).set(t.z);
    c.get(tt).get(t.u).get(t.z).op(F.sub, F.sub).get(pe).get(t.z).op(F.sub, F.add).set(t.v);
    c.get(s).get(t.u).op(F.add).set(t.r);
    c.get(t.r).get(s).op(F.sub).set(t.z);
    c.get(s).get(t.r).get(t.z).op(F.sub, F.sub).get(t.u).get(t.z).op(F.sub, F.add).set(t.w);
    this.absCmp(t.r, F.gt, MIN64); this.absCmp(t.r, F.le, MAX64); c.op(OP.i32And); this.declineUnless();
    c.get(t.v).f64(0).op(F.eq); this.if();
    c.get(t.w).f64(0).op(F.ne).set(t.i);
    this.else();
    c.get(t.w).get(t.v).op(F.add).set(t.z); // e
    c.get(t.r).op(F.i64Reinterpret).set(t.x);
    // r a power of two: a finer grid below it, left to the exact path.
    c.get(t.x).i64(0xfffffffffffffn).op(OP.i64And, OP.i64Eqz); this.declineIf();
    // |e| * 2^53 < 2^E (E the exponent of r): |w + v| < ulp(r) / 2.
    c.get(t.z).op(F.abs).f64(T53).op(F.mul);
    c.get(t.x).i64(0x7ff0000000000000n).op(OP.i64And, F.f64Reinterpret).op(F.lt); this.declineUnless();
    c.get(t.z).f64(0).op(F.ne).set(t.i);
    this.end();
    this.put(rd, t.r, true);
    c.get(t.i); this.accrueNx();
    this.commit();
  }

  /** Binary32 operands a, b (b negated if sub) into locals, declining unboxed ones. */
  private ops32(r1: number, r2: number, negB = false): void {
    const c = this.c, t = this.t;
    this.fs(r1); c.set(t.a);
    this.fs(r2); if (negB) c.op(F.neg); c.set(t.b);
  }
  /** The common tail of a binary32 result: local x (the double result) rounded to r; zero, range, NX as fpfast.ts. */
  private finish32(rd: number, x: number, extraNx?: () => void): void {
    const c = this.c, t = this.t;
    this.fround(x, t.r);
    c.get(t.r).f64(0).op(F.eq); this.if();
    c.get(x).f64(0).op(F.ne); this.declineIf();
    this.put(rd, t.r, false); this.commit();
    this.end();
    this.ok32(t.r); this.declineUnless();
    this.put(rd, t.r, false);
    c.get(t.r).get(x).op(F.ne);
    if (extraNx) { extraNx(); c.op(OP.i32Or); }
    this.accrueNx();
    this.commit();
  }

  private add32(rd: number, r1: number, r2: number, sub: number): void {
    const c = this.c, t = this.t;
    this.ops32(r1, r2, sub !== 0);
    c.get(t.a).get(t.b).op(F.add).set(t.s);
    this.sumErr(t.a, t.b, t.s); c.set(t.u);
    this.finish32(rd, t.s, () => c.get(t.u).f64(0).op(F.ne));
  }
  private mul32(rd: number, r1: number, r2: number): void {
    const c = this.c, t = this.t;
    this.ops32(r1, r2);
    c.get(t.a).get(t.b).op(F.mul).set(t.s); // exact: 24 x 24 bits
    this.finish32(rd, t.s);
  }
  private div32(rd: number, r1: number, r2: number): void {
    const c = this.c, t = this.t;
    this.ops32(r1, r2);
    c.get(t.a).get(t.b).op(F.div).set(t.s);
    c.get(t.s).f64(0).op(F.eq); this.if(); this.put(rd, t.s, false); this.commit(); this.end();
    this.fround(t.s, t.r);
    this.ok32(t.r); this.declineUnless();
    this.put(rd, t.r, false);
    c.get(t.r).get(t.b).op(F.mul).get(t.a).op(F.ne); this.accrueNx(); // r * b is exact in double
    this.commit();
  }
  private sqrt32(rd: number, r1: number): void {
    const c = this.c, t = this.t;
    this.fs(r1); c.set(t.a);
    c.get(t.a).f64(0).op(F.eq); this.if(); this.put(rd, t.a, false); this.commit(); this.end();
    c.get(t.a).op(F.sqrt, F.demote, F.promote).set(t.r);
    this.ok32(t.r); this.declineUnless();
    this.put(rd, t.r, false);
    c.get(t.r).get(t.r).op(F.mul).get(t.a).op(F.ne); this.accrueNx();
    this.commit();
  }
  private fma32(rd: number, r1: number, r2: number, r3: number, neg: number): void {
    const c = this.c, t = this.t;
    this.fs(r1); if (neg & 1) c.op(F.neg); c.set(t.a);
    this.fs(r2); c.set(t.b);
    this.fs(r3); if (neg & 2) c.op(F.neg); c.set(t.d);
    c.get(t.a).get(t.b).op(F.mul).set(t.v); // exact
    c.get(t.v).get(t.d).op(F.add).set(t.s);
    this.sumErr(t.v, t.d, t.s); c.set(t.u);
    this.fround(t.s, t.r);
    c.get(t.r).f64(0).op(F.eq); this.if();
    c.get(t.s).f64(0).op(F.ne); this.declineIf();
    this.put(rd, t.r, false); this.commit();
    this.end();
    this.ok32(t.r); this.declineUnless();
    // x = s + err is not a double: s must not be a binary32 midpoint (fpfast.ts fma32).
    c.get(t.u).f64(0).op(F.ne);
    c.get(t.s).op(F.i64Reinterpret).i64(0x1fffffffn).op(OP.i64And).i64(0x10000000n).op(OP.i64Eq, OP.i32And);
    this.declineIf();
    this.put(rd, t.r, false);
    c.get(t.u).f64(0).op(F.ne).get(t.r).get(t.s).op(F.ne, OP.i32Or); this.accrueNx();
    this.commit();
  }

  /** FSGNJ, FSGNJN, FSGNJX: bit operations (binary32 operands must be NaN-boxed). */
  private sgnj(rd: number, r1: number, r2: number, rm: number, dbl: boolean): void {
    const c = this.c, t = this.t;
    this.fsGuard();
    if (!dbl) { this.boxed(r1); this.boxed(r2); }
    const S = dbl ? -(1n << 63n) : 0x80000000n;
    c.base().mem(OP.i64Load, 3, WASM_F + 8 * r1).set(t.x);
    c.base();
    if (rm === 2) {
      c.get(t.x).base().mem(OP.i64Load, 3, WASM_F + 8 * r2).i64(S).op(OP.i64And, OP.i64Xor);
    } else {
      c.get(t.x).i64(~S).op(OP.i64And);
      c.base().mem(OP.i64Load, 3, WASM_F + 8 * r2);
      if (rm === 1) c.i64(-1n).op(OP.i64Xor);
      c.i64(S).op(OP.i64And, OP.i64Or);
    }
    c.mem(OP.i64Store, 3, WASM_F + 8 * rd);
    this.commit();
  }

  /** FMIN, FMAX on ordered, unequal operands: a copy of the smaller or larger (fpfast.ts). */
  private minmax(rd: number, r1: number, r2: number, rm: number, dbl: boolean): void {
    const c = this.c, t = this.t;
    this.fsGuard();
    this.fval(r1, dbl); c.set(t.a); this.fval(r2, dbl); c.set(t.b);
    // NaN or equal (+0 / -0): the handler.
    c.get(t.a).get(t.a).op(F.ne).get(t.b).get(t.b).op(F.ne, OP.i32Or).get(t.a).get(t.b).op(F.eq, OP.i32Or); this.declineIf();
    c.base();
    c.base().mem(OP.i64Load, 3, WASM_F + 8 * r1).base().mem(OP.i64Load, 3, WASM_F + 8 * r2);
    c.get(t.a).get(t.b).op(rm === 0 ? F.lt : F.gt).op(OP.select);
    c.mem(OP.i64Store, 3, WASM_F + 8 * rd);
    this.commit();
  }

  /** FLE (0), FLT (1), FEQ (2) on non-NaN operands: no flags, x[rd] = 0 or 1. */
  private compare(rd: number, r1: number, r2: number, rm: number, dbl: boolean): void {
    const c = this.c, t = this.t;
    this.fsGuard();
    this.fval(r1, dbl); c.set(t.a); this.fval(r2, dbl); c.set(t.b);
    c.get(t.a).get(t.a).op(F.ne).get(t.b).get(t.b).op(F.ne, OP.i32Or); this.declineIf();
    this.e.setReg(rd, () => c.get(t.a).get(t.b).op([F.le, F.lt, F.eq][rm]).op(OP.i64ExtendI32U));
    this.commit();
  }

  /** FCVT.D.S (dbl: exact for non-NaN) and FCVT.S.D (rounded once, as fpfast.ts). */
  private convertFloat(rd: number, r1: number, dbl: boolean): void {
    const c = this.c, t = this.t;
    if (dbl) {
      this.fs(r1); c.set(t.a);
      c.get(t.a).get(t.a).op(F.ne); this.declineIf();
      this.put(rd, t.a, true);
      this.commit();
      return;
    }
    this.fd(r1); c.set(t.a);
    this.finish32(rd, t.a);
  }

  /** FCVT.fmt.{W,WU,L,LU}: exact below 2^53 in magnitude (then a binary32 result rounds once). */
  private fromInt(rd: number, r1: number, kind: number, dbl: boolean): void {
    const c = this.c, t = this.t;
    this.e.reg(r1); c.set(t.x);
    if (kind === 0) c.get(t.x).op(OP.i32WrapI64, OP.f64ConvertI32S);
    else if (kind === 1) c.get(t.x).op(OP.i32WrapI64, OP.f64ConvertI32U);
    else {
      if (kind === 2) c.get(t.x).i64(1n << 53n).op(OP.i64Add).i64(1n << 54n).op(OP.i64GeU);
      else c.get(t.x).i64(1n << 53n).op(OP.i64GeU);
      this.declineIf();
      c.get(t.x).op(F.convI64S);
    }
    c.set(t.a);
    if (dbl) { this.put(rd, t.a, true); this.commit(); return; }
    this.fround(t.a, t.r);
    this.put(rd, t.r, false);
    c.get(t.r).get(t.a).op(F.ne); this.accrueNx();
    this.commit();
  }

  /**
   * FCVT.{W,WU,L,LU}.fmt, rounding toward zero (rtz) or to nearest even: in range (NaN is
   * not), the integer is exact and NX says whether rounding changed the value. Negative
   * operands of the unsigned forms go to the handler (-0 too would be fine, but rare).
   */
  private toInt(rd: number, r1: number, kind: number, rtz: boolean, dbl: boolean): void {
    const c = this.c, t = this.t;
    this.fval(r1, dbl); c.set(t.a);
    c.get(t.a).op(rtz ? F.trunc : F.nearest).set(t.r);
    const [lo, hi, strict] = ([[-(2 ** 31), 2 ** 31 - 1, false], [0, 2 ** 32 - 1, false], [-(2 ** 63), 2 ** 63, true], [0, 2 ** 64, true]] as const)[kind];
    c.get(t.r).f64(lo).op(F.ge).get(t.r).f64(hi).op(strict ? F.lt : F.le, OP.i32And);
    if (kind === 1 || kind === 3) c.get(t.a).f64(0).op(F.ge, OP.i32And);
    this.declineUnless();
    this.e.setReg(rd, () => {
      c.get(t.r);
      if (kind === 0) c.op(F.i32TruncS, OP.i64ExtendI32S);
      else if (kind === 1) c.op(F.i64TruncU, OP.i32WrapI64, OP.i64ExtendI32S); // the 32-bit result sign-extended
      else if (kind === 2) c.op(F.i64TruncS);
      else c.op(F.i64TruncU);
    });
    c.get(t.r).get(t.a).op(F.ne); this.accrueNx();
    this.commit();
  }
}


/**
 * Differential test against QEMU 7.2 (softfloat): a table of random and edge-case F/D
 * instructions runs on qemu-system-riscv64 through test/fpu/guest/fpvec.elf, and every result
 * register and fcsr must match fpExecute bit for bit. Skipped when QEMU is not installed.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fpExecute } from '../../dist/cpu/fpu.js';
import { newState, opfp, r4, Rng, operand, intOperand, getF, getX } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const ELF = join(here, '../../test/fpu/guest/fpvec.elf');
const COUNT = Number(process.env.FPU_QEMU_N ?? 40000);
const S = { p: 24, ebits: 8 }, D = { p: 53, ebits: 11 };

interface Rec { insn: number; fcsr: number; f1: bigint; f2: bigint; f4: bigint; x6: bigint }

function fpOperand(rng: Rng, dbl: boolean, near?: bigint): bigint {
  const v = operand(rng, dbl ? D : S, near);
  if (dbl) return v;
  // Mostly NaN-boxed; sometimes a bad box, which must read as the canonical NaN.
  const hi = rng.int(10) === 0 ? BigInt(rng.int(3) === 0 ? 0 : rng.u32()) : 0xffffffffn;
  return (hi << 32n) | v;
}

function makeRecords(rng: Rng, n: number): Rec[] {
  const recs: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const fmt = rng.int(2), dbl = fmt === 1;
    const frm = rng.int(5);
    const rm = rng.int(4) === 0 ? 7 : rng.int(5);
    const fcsr = (frm << 5) | (rng.int(4) === 0 ? rng.int(32) : 0);
    const f1 = fpOperand(rng, dbl);
    const f2 = fpOperand(rng, dbl, f1 & (dbl ? 0xffffffffffffffffn : 0xffffffffn));
    const f4 = fpOperand(rng, dbl, f1 & (dbl ? 0xffffffffffffffffn : 0xffffffffn));
    const x6 = intOperand(rng);
    let insn: number;
    const kind = rng.int(14);
    switch (kind) {
      case 0: case 1: case 2: insn = opfp(rng.int(4), fmt, 2, 1, rm, 3); break;
      case 3: insn = opfp(0x0b, fmt, 0, 1, rm, 3); break;
      case 4: case 5: insn = r4(rng.int(4), fmt, 4, 2, 1, rm, 3); break;
      case 6: insn = opfp(0x04, fmt, 2, 1, rng.int(3), 3); break;
      case 7: insn = opfp(0x05, fmt, 2, 1, rng.int(2), 3); break;
      case 8: insn = opfp(0x14, fmt, 2, 1, rng.int(3), 5); break;
      case 9: insn = opfp(0x1c, fmt, 0, 1, rng.int(2), 5); break;
      case 10: insn = opfp(0x1e, fmt, 0, 6, 0, 3); break;
      case 11: { // fcvt.s.d / fcvt.d.s: the source has the other format
        const src = fpOperand(rng, !dbl);
        recs.push({ insn: opfp(0x08, fmt, dbl ? 0 : 1, 1, rm, 3), fcsr, f1: src, f2, f4, x6 });
        continue;
      }
      case 12: insn = opfp(0x18, fmt, rng.int(4), 1, rm, 5); break;
      default: insn = opfp(0x1a, fmt, rng.int(4), 6, rm, 3); break;
    }
    recs.push({ insn, fcsr, f1, f2, f4, x6 });
  }
  return recs;
}

/** Products and quotients landing next to the smallest normal: tininess after rounding. */
function tininessRecords(rng: Rng, n: number): Rec[] {
  const recs: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const dbl = rng.int(2) === 1;
    const frm = rng.int(5);
    const sign = BigInt(rng.int(2)) << (dbl ? 63n : 31n);
    const minNorm = dbl ? 0x0010000000000000n : 0x00800000n;
    const one = dbl ? 0x3ff0000000000000n : 0x3f800000n;
    const box = (v: bigint) => dbl ? v : (0xffffffffn << 32n) | v;
    const a = box(sign | (minNorm + BigInt(rng.int(64)) - 32n));
    const b = box(one + BigInt(rng.int(64)) - 32n);
    const c = box((BigInt(rng.int(2)) << (dbl ? 63n : 31n)) | BigInt(rng.int(4)));
    const op = rng.int(3);
    const fmt = dbl ? 1 : 0;
    const insn = op === 0 ? opfp(2, fmt, 2, 1, 7, 3) : op === 1 ? opfp(3, fmt, 2, 1, 7, 3) : r4(rng.int(4), fmt, 4, 2, 1, 7, 3);
    recs.push({ insn, fcsr: frm << 5, f1: a, f2: b, f4: c, x6: 0n });
  }
  return recs;
}

/** FMAs whose addend nearly cancels the product (c = -RN(a*b) nudged by a few ulps). */
function cancellationRecords(rng: Rng, n: number): Rec[] {
  const recs: Rec[] = [];
  for (let i = 0; i < n; i++) {
    const dbl = rng.int(2) === 1, fmt = dbl ? 1 : 0;
    const a = fpOperand(rng, dbl), b = fpOperand(rng, dbl);
    const st = newState(rng.int(5));
    st.f[2] = Number(a & 0xffffffffn); st.f[3] = Number(a >> 32n);
    st.f[4] = Number(b & 0xffffffffn); st.f[5] = Number(b >> 32n);
    fpExecute(opfp(2, fmt, 2, 1, 7, 3), st);
    const c = getF(st, 3) ^ BigInt(rng.int(4)) ^ (dbl ? 1n << 63n : 1n << 31n);
    recs.push({ insn: r4(rng.int(4), fmt, 4, 2, 1, rng.int(5), 3), fcsr: rng.int(5) << 5, f1: a, f2: b, f4: c, x6: 0n });
  }
  return recs;
}

function encode(recs: Rec[]): Buffer {
  const b = Buffer.alloc(8 + 40 * recs.length);
  b.writeBigUInt64LE(BigInt(recs.length), 0);
  recs.forEach((r, i) => {
    const o = 8 + 40 * i;
    b.writeUInt32LE(r.insn, o); b.writeUInt32LE(r.fcsr, o + 4);
    b.writeBigUInt64LE(r.f1, o + 8); b.writeBigUInt64LE(r.f2, o + 16);
    b.writeBigUInt64LE(r.f4, o + 24); b.writeBigUInt64LE(r.x6, o + 32);
  });
  return b;
}

describe('fpu vs QEMU 7.2', function () {
  this.timeout(300000);
  it(`${COUNT} random F/D instructions 4000 tininess cases and 4000 near-cancelling FMAs match qemu-system-riscv64 bit for bit (results and fflags)`, function () {
    const probe = spawnSync('qemu-system-riscv64', ['--version']);
    if (probe.error) this.skip();
    const rng = new Rng(4242);
    const recs = [...makeRecords(rng, COUNT), ...tininessRecords(rng, 4000), ...cancellationRecords(rng, 4000)];
    const dir = mkdtempSync(join(tmpdir(), 'rvrr-fpu-'));
    try {
      const vec = join(dir, 'vec.bin');
      writeFileSync(vec, encode(recs));
      const q = spawnSync('qemu-system-riscv64', ['-machine', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none',
        '-serial', 'stdio', '-kernel', ELF, '-device', `loader,file=${vec},addr=0x80200000,force-raw=on`],
      { encoding: 'utf8', timeout: 240000, maxBuffer: 64 << 20 });
      expect(q.status, q.stderr).to.equal(0);
      const lines = q.stdout.split('\n').filter(l => /^[0-9a-f]{16} /.test(l));
      expect(lines.length, q.stdout.slice(-400)).to.equal(recs.length);
      const bad: string[] = [];
      recs.forEach((r, i) => {
        const [qf3, qx5, qfcsr] = lines[i].trim().split(' ').map(h => BigInt('0x' + h));
        const st = newState(0);
        st.fcsr = r.fcsr;
        st.f[2] = Number(r.f1 & 0xffffffffn); st.f[3] = Number(r.f1 >> 32n);
        st.f[4] = Number(r.f2 & 0xffffffffn); st.f[5] = Number(r.f2 >> 32n);
        st.f[8] = Number(r.f4 & 0xffffffffn); st.f[9] = Number(r.f4 >> 32n);
        st.x[12] = Number(BigInt.asIntN(32, r.x6)); st.x[13] = Number(BigInt.asIntN(32, r.x6 >> 32n));
        const ok = fpExecute(r.insn, st);
        const f3 = getF(st, 3), x5 = getX(st, 5), fcsr = BigInt(st.fcsr);
        if (!ok || f3 !== qf3 || x5 !== qx5 || fcsr !== qfcsr) {
          bad.push(`#${i} insn=${r.insn.toString(16)} fcsr=${r.fcsr.toString(16)} f1=${r.f1.toString(16)} f2=${r.f2.toString(16)} f4=${r.f4.toString(16)} x6=${r.x6.toString(16)}: ` +
            `qemu f3=${qf3.toString(16)} x5=${qx5.toString(16)} fcsr=${qfcsr.toString(16)}; ours ${ok ? '' : 'ILLEGAL '}f3=${f3.toString(16)} x5=${x5.toString(16)} fcsr=${fcsr.toString(16)}`);
        }
      });
      expect(bad.slice(0, 20).join('\n'), `${bad.length} mismatches`).to.equal('');
    } finally {
      if (!process.env.FPU_KEEP) rmSync(dir, { recursive: true, force: true }); else console.log(dir);
    }
  });
});

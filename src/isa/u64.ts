/**
 * 64-bit integer helpers on lo/hi int32 pairs (no BigInt): the high half of 64x64 products
 * and 64-bit division/remainder, for the M extension. Results go to the module-level `r`
 * (lo, hi as int32) so the hot path allocates nothing.
 */

/** Result register of the last operation: r.lo / r.hi are int32. */
export const r = { lo: 0, hi: 0 };

const TWO32 = 4294967296;
const limbs = new Float64Array(8);

/** Full unsigned 128-bit product in 16-bit limbs; leaves limbs[0..7] normalized. */
function mul128(alo: number, ahi: number, blo: number, bhi: number): void {
  const a0 = alo & 0xffff, a1 = alo >>> 16, a2 = ahi & 0xffff, a3 = ahi >>> 16;
  const b0 = blo & 0xffff, b1 = blo >>> 16, b2 = bhi & 0xffff, b3 = bhi >>> 16;
  // Each partial product is < 2^32 and each column sums at most 4 of them: exact in a double.
  limbs[0] = a0 * b0;
  limbs[1] = a0 * b1 + a1 * b0;
  limbs[2] = a0 * b2 + a1 * b1 + a2 * b0;
  limbs[3] = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  limbs[4] = a1 * b3 + a2 * b2 + a3 * b1;
  limbs[5] = a2 * b3 + a3 * b2;
  limbs[6] = a3 * b3;
  limbs[7] = 0;
  let carry = 0;
  for (let k = 0; k < 8; k++) {
    const t = limbs[k] + carry;
    const low = t % 65536;
    limbs[k] = low;
    carry = (t - low) / 65536;
  }
}

/** Low 64 bits of a*b (same for signed and unsigned). */
export function mul(alo: number, ahi: number, blo: number, bhi: number): void {
  const a0 = alo & 0xffff, a1 = alo >>> 16, b0 = blo & 0xffff, b1 = blo >>> 16;
  const lo00 = a0 * b0;
  const mid = a0 * b1 + a1 * b0; // < 2^33
  const low32 = lo00 + (mid % 65536) * 65536; // < 2^33
  const carryToHi = Math.floor(low32 / TWO32) + Math.floor(mid / 65536) + a1 * b1;
  r.lo = low32 | 0; // ToInt32 wraps modulo 2^32
  r.hi = ((carryToHi % TWO32) + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
}

/** High 64 bits of unsigned a * unsigned b. */
export function mulhu(alo: number, ahi: number, blo: number, bhi: number): void {
  mul128(alo, ahi, blo, bhi);
  r.lo = (limbs[4] + limbs[5] * 65536) | 0;
  r.hi = (limbs[6] + limbs[7] * 65536) | 0;
}

/** Subtract (blo,bhi) from r in place (mod 2^64). */
function subFromR(blo: number, bhi: number): void {
  const lo = (r.lo - blo) | 0;
  const borrow = (r.lo >>> 0) < (blo >>> 0) ? 1 : 0;
  r.hi = (r.hi - bhi - borrow) | 0;
  r.lo = lo;
}

/** High 64 bits of signed a * signed b. */
export function mulh(alo: number, ahi: number, blo: number, bhi: number): void {
  mulhu(alo, ahi, blo, bhi);
  if (ahi < 0) subFromR(blo, bhi);
  if (bhi < 0) subFromR(alo, ahi);
}

/** High 64 bits of signed a * unsigned b. */
export function mulhsu(alo: number, ahi: number, blo: number, bhi: number): void {
  mulhu(alo, ahi, blo, bhi);
  if (ahi < 0) subFromR(blo, bhi);
}

/** Quotient and remainder of the last divu64 (int32 pairs). */
export const qr = { qlo: 0, qhi: 0, rlo: 0, rhi: 0 };

/** Unsigned 64-bit a / b with b != 0; fills `qr`. */
export function divu64(alo: number, ahi: number, blo: number, bhi: number): void {
  const a = (ahi >>> 0) * TWO32 + (alo >>> 0);
  const b = (bhi >>> 0) * TWO32 + (blo >>> 0);
  if (a < 9007199254740992 && b < 9007199254740992) {
    // Both exact as doubles: the floored quotient is off by at most one; fix it up.
    let q = Math.floor(a / b);
    let rem = a - q * b;
    if (rem < 0) { q--; rem += b; } else if (rem >= b) { q++; rem -= b; }
    qr.qlo = q % TWO32 | 0; qr.qhi = Math.floor(q / TWO32) | 0;
    qr.rlo = rem % TWO32 | 0; qr.rhi = Math.floor(rem / TWO32) | 0;
    return;
  }
  if (bhi === 0) {
    // Divisor below 2^32: schoolbook division of a in 32/16/16-bit digits; every partial
    // dividend is below 2^48, so each digit quotient is an exact double division.
    const d = blo >>> 0;
    const ah = ahi >>> 0;
    const q2 = Math.floor(ah / d);
    let t = (ah - q2 * d) * 65536 + (alo >>> 16);
    const q1 = Math.floor(t / d);
    t = (t - q1 * d) * 65536 + (alo & 0xffff);
    const q0 = Math.floor(t / d);
    const rem = t - q0 * d;
    qr.qlo = (q1 * 65536 + q0) | 0; qr.qhi = q2 | 0;
    qr.rlo = rem | 0; qr.rhi = 0;
    return;
  }
  if (bhi < 0) {
    // Divisor at least 2^63: the quotient is 0 or 1.
    if ((ahi >>> 0) > (bhi >>> 0) || ((ahi >>> 0) === (bhi >>> 0) && (alo >>> 0) >= (blo >>> 0))) {
      qr.qlo = 1; qr.qhi = 0;
      qr.rlo = (alo - blo) | 0;
      qr.rhi = (ahi - bhi - ((alo >>> 0) < (blo >>> 0) ? 1 : 0)) | 0;
    } else {
      qr.qlo = 0; qr.qhi = 0; qr.rlo = alo; qr.rhi = ahi;
    }
    return;
  }
  {
    // 2^32 <= b < 2^63: the quotient is below 2^32 and the rounded double quotient is within
    // one of it; the remainder a - q*b is computed exactly mod 2^64 and q corrected. As b < 2^63,
    // a remainder that went negative shows as a value >= 2^63, one too large as a value >= b.
    let q = Math.floor(a / b);
    mul(q % TWO32 | 0, Math.floor(q / TWO32) | 0, blo, bhi);
    let rlo = (alo - r.lo) | 0;
    let rhi = (ahi - r.hi - ((alo >>> 0) < (r.lo >>> 0) ? 1 : 0)) | 0;
    while (rhi < 0) {
      const nlo = (rlo + blo) | 0;
      rhi = (rhi + bhi + ((nlo >>> 0) < (rlo >>> 0) ? 1 : 0)) | 0;
      rlo = nlo;
      q--;
    }
    while ((rhi >>> 0) > (bhi >>> 0) || ((rhi >>> 0) === (bhi >>> 0) && (rlo >>> 0) >= (blo >>> 0))) {
      const nlo = (rlo - blo) | 0;
      rhi = (rhi - bhi - ((rlo >>> 0) < (blo >>> 0) ? 1 : 0)) | 0;
      rlo = nlo;
      q++;
    }
    qr.qlo = q | 0; qr.qhi = 0; qr.rlo = rlo; qr.rhi = rhi;
    return;
  }
}

/** Reference: restoring binary long division over 32-bit limbs (kept for tests). */
export function divu64Bitwise(alo: number, ahi: number, blo: number, bhi: number): void {
  let qlo = 0, qhi = 0, rlo = 0, rhi = 0;
  for (let i = 63; i >= 0; i--) {
    // rem = rem << 1 | bit i of a; `top` is the bit shifted out (rem then exceeds 2^64 > b).
    const top = rhi >>> 31;
    rhi = (rhi << 1) | (rlo >>> 31);
    rlo = (rlo << 1) | (i >= 32 ? (ahi >>> (i - 32)) & 1 : (alo >>> i) & 1);
    qhi = (qhi << 1) | (qlo >>> 31);
    qlo = qlo << 1;
    const ge = top === 1 || (rhi >>> 0) > (bhi >>> 0) || ((rhi >>> 0) === (bhi >>> 0) && (rlo >>> 0) >= (blo >>> 0));
    if (ge) {
      const nlo = (rlo - blo) | 0;
      const borrow = (rlo >>> 0) < (blo >>> 0) ? 1 : 0;
      rhi = (rhi - bhi - borrow) | 0;
      rlo = nlo;
      qlo |= 1;
    }
  }
  qr.qlo = qlo; qr.qhi = qhi; qr.rlo = rlo; qr.rhi = rhi;
}

/** Negate (lo,hi) into r. */
function neg(lo: number, hi: number): void {
  r.lo = (-lo) | 0;
  r.hi = (~hi + (lo === 0 ? 1 : 0)) | 0;
}

/** Signed 64-bit a / b with b != 0 and not (MIN / -1); fills `qr` (remainder has a's sign). */
export function div64(alo: number, ahi: number, blo: number, bhi: number): void {
  const na = ahi < 0, nb = bhi < 0;
  let ualo = alo, uahi = ahi, ublo = blo, ubhi = bhi;
  if (na) { neg(alo, ahi); ualo = r.lo; uahi = r.hi; }
  if (nb) { neg(blo, bhi); ublo = r.lo; ubhi = r.hi; }
  divu64(ualo, uahi, ublo, ubhi);
  if (na !== nb) { neg(qr.qlo, qr.qhi); qr.qlo = r.lo; qr.qhi = r.hi; }
  if (na) { neg(qr.rlo, qr.rhi); qr.rlo = r.lo; qr.rhi = r.hi; }
}

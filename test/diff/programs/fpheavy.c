/* Differential program (c): F and D heavy. Every arithmetic, fused, conversion, compare,
   sign-injection, min/max, classify and move instruction in single and double precision, on
   random bit patterns mixed with special values (zeros, subnormals, infinities, quiet and
   signalling NaNs, integer boundaries), under all five rounding modes, with the accrued flags
   read (and cleared) after every group so that every flag bit reaches an integer register. */
#include <stdint.h>
#include "uart.h"

#define OP2(i, T, d, a, b) __asm__ volatile(i " %0,%1,%2" : "=f"(d) : "f"(a), "f"(b))
#define OP1(i, d, a) __asm__ volatile(i " %0,%1" : "=f"(d) : "f"(a))
#define OP3(i, d, a, b, c) __asm__ volatile(i " %0,%1,%2,%3" : "=f"(d) : "f"(a), "f"(b), "f"(c))
#define TOI(i, d, a) __asm__ volatile(i " %0,%1" : "=r"(d) : "f"(a))
#define CMP(i, d, a, b) __asm__ volatile(i " %0,%1,%2" : "=r"(d) : "f"(a), "f"(b))
#define FROMI(i, d, a) __asm__ volatile(i " %0,%1" : "=f"(d) : "r"(a))

static uint64_t seed = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return seed; }

static const uint64_t dspecial[] = {
  0, 0x8000000000000000ull, 0x0000000000000001ull, 0x800fffffffffffffull, 0x7ff0000000000000ull,
  0xfff0000000000000ull, 0x7ff8000000000000ull, 0x7ff0000000000001ull, 0x3ff0000000000000ull,
  0x43e0000000000000ull, 0xc3e0000000000000ull, 0x41dfffffffc00000ull, 0x41efffffffe00000ull,
  0x3fe0000000000000ull, 0xbff8000000000000ull, 0x7fefffffffffffffull,
};
static const uint32_t sspecial[] = {
  0, 0x80000000u, 1, 0x807fffffu, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0x7f800001u,
  0x3f800000u, 0x5f000000u, 0xdf000000u, 0x4f000000u, 0x4f800000u, 0x3f000000u, 0xbfc00000u, 0x7f7fffffu,
};

static uint64_t dpat(void) {
  uint64_t r = rnd();
  switch (r & 7) {
    case 0: return dspecial[(r >> 3) & 15];
    case 1: return (r >> 8) & 0x800fffffffffffffull;                 /* subnormal */
    case 2: return ((r >> 4) & 0x800fffffffffffffull) | 0x3ff0000000000000ull; /* [1,2) */
    default: return ((r >> 3) & 0x00ffffffffffffffull) ^ ((r << 55) & 0xc000000000000000ull) ^ 0x3c00000000000000ull;
  }
}
static uint32_t spat(void) {
  uint64_t r = rnd();
  switch (r & 7) {
    case 0: return sspecial[(r >> 3) & 15];
    case 1: return (uint32_t)(r >> 8) & 0x807fffffu;
    case 2: return ((uint32_t)(r >> 4) & 0x807fffffu) | 0x3f800000u;
    default: return ((uint32_t)(r >> 3) & 0x0fffffffu) ^ ((uint32_t)(r >> 32) & 0xc0000000u) ^ 0x30000000u;
  }
}
static double d_of(uint64_t b) { union { uint64_t u; double d; } x = { b }; return x.d; }
static float f_of(uint32_t b) { union { uint32_t u; float f; } x = { b }; return x.f; }
static uint64_t bits_d(double d) { union { double d; uint64_t u; } x = { d }; return x.u; }
static uint32_t bits_f(float f) { union { float f; uint32_t u; } x = { f }; return x.u; }

static uint64_t h;
static void mix(uint64_t v) { h = (h ^ v) * 0x100000001b3ull; h ^= h >> 29; }
static void flags(void) { uint64_t f; __asm__ volatile("csrrw %0, fflags, zero" : "=r"(f)); mix(f); }

int main(void) {
  for (int iter = 0; iter < 1100; iter++) {
    uint64_t rm = (uint64_t)iter % 5;
    __asm__ volatile("csrw frm, %0" :: "r"(rm));
    double a = d_of(dpat()), b = d_of(dpat()), c = d_of(dpat()), r;
    float x = f_of(spat()), y = f_of(spat()), z = f_of(spat()), s;
    int64_t i; uint64_t u;
    OP2("fadd.d", , r, a, b); mix(bits_d(r)); flags();
    OP2("fsub.d", , r, a, b); mix(bits_d(r)); flags();
    OP2("fmul.d", , r, a, b); mix(bits_d(r)); flags();
    OP2("fdiv.d", , r, a, b); mix(bits_d(r)); flags();
    OP1("fsqrt.d", r, a); mix(bits_d(r)); flags();
    OP3("fmadd.d", r, a, b, c); mix(bits_d(r)); flags();
    OP3("fmsub.d", r, a, b, c); mix(bits_d(r)); flags();
    OP3("fnmadd.d", r, a, b, c); mix(bits_d(r)); flags();
    OP3("fnmsub.d", r, a, b, c); mix(bits_d(r)); flags();
    OP2("fmin.d", , r, a, b); mix(bits_d(r)); flags();
    OP2("fmax.d", , r, a, b); mix(bits_d(r)); flags();
    OP2("fsgnj.d", , r, a, b); mix(bits_d(r));
    OP2("fsgnjn.d", , r, a, b); mix(bits_d(r));
    OP2("fsgnjx.d", , r, a, b); mix(bits_d(r));
    CMP("feq.d", i, a, b); mix((uint64_t)i); flags();
    CMP("flt.d", i, a, b); mix((uint64_t)i); flags();
    CMP("fle.d", i, a, b); mix((uint64_t)i); flags();
    TOI("fclass.d", i, a); mix((uint64_t)i);
    TOI("fcvt.w.d", i, a); mix((uint64_t)i); flags();
    TOI("fcvt.wu.d", i, a); mix((uint64_t)i); flags();
    TOI("fcvt.l.d", i, a); mix((uint64_t)i); flags();
    TOI("fcvt.lu.d", i, a); mix((uint64_t)i); flags();
    TOI("fmv.x.d", i, b); mix((uint64_t)i);
    u = rnd() >> (iter & 63);
    FROMI("fcvt.d.l", r, u); mix(bits_d(r)); flags();
    FROMI("fcvt.d.lu", r, u); mix(bits_d(r)); flags();
    FROMI("fcvt.d.w", r, u); mix(bits_d(r)); flags();
    FROMI("fcvt.d.wu", r, u); mix(bits_d(r)); flags();
    FROMI("fcvt.s.l", s, u); mix(bits_f(s)); flags();
    FROMI("fcvt.s.lu", s, u); mix(bits_f(s)); flags();
    FROMI("fcvt.s.w", s, u); mix(bits_f(s)); flags();
    FROMI("fcvt.s.wu", s, u); mix(bits_f(s)); flags();
    OP1("fcvt.s.d", s, a); mix(bits_f(s)); flags();
    OP1("fcvt.d.s", r, x); mix(bits_d(r)); flags();
    OP2("fadd.s", , s, x, y); mix(bits_f(s)); flags();
    OP2("fsub.s", , s, x, y); mix(bits_f(s)); flags();
    OP2("fmul.s", , s, x, y); mix(bits_f(s)); flags();
    OP2("fdiv.s", , s, x, y); mix(bits_f(s)); flags();
    OP1("fsqrt.s", s, x); mix(bits_f(s)); flags();
    OP3("fmadd.s", s, x, y, z); mix(bits_f(s)); flags();
    OP3("fmsub.s", s, x, y, z); mix(bits_f(s)); flags();
    OP3("fnmadd.s", s, x, y, z); mix(bits_f(s)); flags();
    OP3("fnmsub.s", s, x, y, z); mix(bits_f(s)); flags();
    OP2("fmin.s", , s, x, y); mix(bits_f(s)); flags();
    OP2("fmax.s", , s, x, y); mix(bits_f(s)); flags();
    OP2("fsgnj.s", , s, x, y); mix(bits_f(s));
    OP2("fsgnjn.s", , s, x, y); mix(bits_f(s));
    OP2("fsgnjx.s", , s, x, y); mix(bits_f(s));
    CMP("feq.s", i, x, y); mix((uint64_t)i); flags();
    CMP("flt.s", i, x, y); mix((uint64_t)i); flags();
    CMP("fle.s", i, x, y); mix((uint64_t)i); flags();
    TOI("fclass.s", i, x); mix((uint64_t)i);
    TOI("fcvt.w.s", i, x); mix((uint64_t)i); flags();
    TOI("fcvt.wu.s", i, x); mix((uint64_t)i); flags();
    TOI("fcvt.l.s", i, x); mix((uint64_t)i); flags();
    TOI("fcvt.lu.s", i, x); mix((uint64_t)i); flags();
    TOI("fmv.x.w", i, y); mix((uint64_t)i);
    FROMI("fmv.w.x", s, u); mix(bits_f(s));
    TOI("fclass.s", i, s); mix((uint64_t)i);   /* fmv.w.x NaN-boxes */
    /* a not-NaN-boxed single in an f register reads as the canonical NaN */
    FROMI("fmv.d.x", r, u | 0x1ull); OP2("fadd.s", , s, *(float *)&r, y); mix(bits_f(s)); flags();
    /* a small numeric kernel with C operators (dynamic rounding) */
    double acc = 1.0;
    for (int k = 1; k < 12; k++) acc = acc * 1.0000001 + (double)k / 3.0 - acc / (k + 0.5);
    mix(bits_d(acc)); flags();
  }
  puts_uart("fp hash "); puthex(h); putc_uart('\n');
  return 0;
}

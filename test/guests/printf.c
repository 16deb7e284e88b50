/* A C program built with the toolchain's default -march (rv64imafdc) against picolibc: doubles
   (arithmetic, libm), 64-bit multiply/divide/remainder and printf formatting (integers, hex,
   %f/%e/%g). Its console output must be byte-for-byte what QEMU prints (printf.expected). */
#include <stdio.h>
#include <stdint.h>
#include <math.h>
#include <inttypes.h>

static int uart_putc(char c, FILE *f) {
  (void)f;
  *(volatile uint8_t *)0x10000000 = (uint8_t)c;
  return (unsigned char)c;
}
static FILE uart = FDEV_SETUP_STREAM(uart_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &uart;
FILE *const stdout = &uart;
FILE *const stderr = &uart;

/* Values read through a volatile so the compiler cannot fold the math at build time. */
static double V(double x) { volatile double v = x; return v; }

static uint64_t collatz_steps(uint64_t n) {
  uint64_t s = 0;
  while (n != 1) { n = (n & 1) ? 3 * n + 1 : n / 2; s++; }
  return s;
}

int main(void) {
  printf("rvrr guest printf test\n");
  /* 64-bit integer arithmetic */
  uint64_t f = 1;
  for (int i = 1; i <= 20; i++) {
    f *= (uint64_t)i;
    if (i % 5 == 0) printf("%2d! = %" PRIu64 " (0x%016" PRIx64 ")\n", i, f, f);
  }
  int64_t a = -9223372036854775807LL - 1;
  printf("INT64_MIN / 7 = %" PRId64 ", %% 7 = %" PRId64 "\n", a / 7, a % 7);
  printf("UINT64_MAX / 10 = %" PRIu64 ", %% 10 = %" PRIu64 "\n", UINT64_MAX / 10, UINT64_MAX % 10);
  uint64_t x = 0x123456789abcdefULL;
  printf("mulhi: %016" PRIx64 "\n", (uint64_t)(((unsigned __int128)x * x) >> 64));
  uint64_t best = 0, arg = 0;
  for (uint64_t n = 1; n < 3000; n++) { uint64_t s = collatz_steps(n); if (s > best) { best = s; arg = n; } }
  printf("collatz: longest below 3000 starts at %" PRIu64 " (%" PRIu64 " steps)\n", arg, best);
  /* doubles */
  double pi4 = 0;
  for (int k = 0; k < 100000; k++) pi4 += (k & 1 ? -1.0 : 1.0) / (2 * k + 1);
  printf("leibniz pi = %.15f\n", 4 * pi4);
  printf("sqrt(2) = %.17g, cbrt(V(27.5)) = %.17g\n", sqrt(V(2.0)), cbrt(V(27.5)));
  printf("exp(1) = %.17g, log(10) = %.17g\n", exp(V(1.0)), log(V(10.0)));
  printf("sin(1) = %.17g, cos(1) = %.17g, atan2(1,-1) = %.17g\n", sin(V(1.0)), cos(V(1.0)), atan2(V(1.0), V(-1.0)));
  printf("pow(1.0001, 10000) = %.17g\n", pow(V(1.0001), V(10000.0)));
  printf("1e308 * 10 = %g, -1/0 = %g, sqrt(-1) is nan: %d\n", V(1e308) * 10, V(-1.0) / V(0.0), isnan(sqrt(V(-1.0))));
  printf("%%e: %e %e %e\n", V(6.02214076e23), V(1.602176634e-19), V(-0.0));
  printf("%%f: %f %.3f %10.2f|\n", V(3.14159265358979), V(2.0) / 3.0, V(-1234.5678));
  double h = 0;
  for (int n = 1; n <= 1000; n++) h += 1.0 / n;
  printf("H(1000) = %.17g\n", h);
  float sf = 0;
  for (int n = 1; n <= 1000; n++) sf += 1.0f / (float)n;
  printf("H(1000) in single = %.9g\n", (double)sf);
  int64_t dv = (int64_t)(V(1e18) / 3.0);
  printf("(int64)(1e18/3) = %" PRId64 ", (double)(int64_t)V(9.3e18) = %.17g\n", dv, (double)(int64_t)V(9.3e18));
  printf("done\n");
  return 0;
}

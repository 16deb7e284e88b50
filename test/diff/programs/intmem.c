/* Differential program (a): integer and memory heavy. Sieve, sorting, CRC-32, 64-bit
   multiply/divide/remainder of mixed signs, byte/half/word accesses, atomics (AMO and LR/SC
   through the compiler's builtins), compressed code throughout. Prints checksums. */
#include <stdint.h>
#include "uart.h"

#define N 2048
static uint8_t sieve[N];
static int64_t arr[512];
static uint16_t half[256];
static uint64_t shared_counter;

static uint64_t lcg(uint64_t *s) { *s = *s * 6364136223846793005ull + 1442695040888963407ull; return *s; }

static uint32_t crc32(const uint8_t *p, int n) {
  uint32_t c = 0xffffffffu;
  for (int i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));
  }
  return ~c;
}

static void sort(int64_t *a, int lo, int hi) {
  while (lo < hi) {
    int64_t p = a[(lo + hi) / 2];
    int i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { int64_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (j - lo < hi - i) { sort(a, lo, j); lo = i; } else { sort(a, i, hi); hi = j; }
  }
}

int main(void) {
  uint64_t seed = 12345, sum = 0;
  /* sieve */
  for (int i = 2; i < N; i++) sieve[i] = 1;
  for (int i = 2; i * i < N; i++)
    if (sieve[i]) for (int j = i * i; j < N; j += i) sieve[j] = 0;
  int primes = 0;
  for (int i = 0; i < N; i++) primes += sieve[i];
  puts_uart("primes "); putdec(primes); putc_uart('\n');
  /* sort */
  for (int r = 0; r < 6; r++) {
    for (int i = 0; i < 512; i++) arr[i] = (int64_t)lcg(&seed) >> (i & 31);
    sort(arr, 0, 511);
    for (int i = 1; i < 512; i++) if (arr[i - 1] > arr[i]) return 2;
    sum += (uint64_t)arr[r * 7];
  }
  puts_uart("sorted "); puthex(sum); putc_uart('\n');
  /* crc over the sieve bytes */
  uint32_t c = crc32(sieve, 2048);
  puts_uart("crc "); puthex(c); putc_uart('\n');
  /* mul/div with mixed signs and widths */
  uint64_t acc = 0;
  for (int i = 1; i < 5000; i++) {
    int64_t a = (int64_t)lcg(&seed), b = (int64_t)(lcg(&seed) >> (i % 60)) - 7;
    if (b == 0) b = 3;
    acc += (uint64_t)(a / b) ^ (uint64_t)(a % b);
    acc += (uint64_t)a / (uint64_t)b + (uint64_t)a % (uint64_t)b;
    acc ^= (uint64_t)((int32_t)a / (int32_t)(b | 1)) + (uint32_t)a % ((uint32_t)b | 1u);
    acc += (uint64_t)(((__int128)a * b) >> 64) + (uint64_t)(((unsigned __int128)(uint64_t)a * (uint64_t)b) >> 64);
    acc = (acc << 7) | (acc >> 57);
  }
  puts_uart("muldiv "); puthex(acc); putc_uart('\n');
  /* halfword / byte traffic */
  for (int r = 0; r < 60; r++)
    for (int i = 0; i < 256; i++) half[i] = (uint16_t)(half[(i * 7) & 255] + i * r + (int8_t)sieve[i]);
  uint64_t hs = 0;
  for (int i = 0; i < 256; i++) hs = hs * 31 + (int16_t)half[i];
  puts_uart("half "); puthex(hs); putc_uart('\n');
  /* atomics */
  for (int i = 0; i < 2000; i++) {
    __atomic_fetch_add(&shared_counter, (uint64_t)i, __ATOMIC_SEQ_CST);
    __atomic_fetch_xor(&shared_counter, (uint64_t)i << 3, __ATOMIC_ACQ_REL);
    uint64_t exp = __atomic_load_n(&shared_counter, __ATOMIC_RELAXED);
    __atomic_compare_exchange_n(&shared_counter, &exp, exp * 3 + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  }
  puts_uart("atomic "); puthex(shared_counter); putc_uart('\n');
  return 0;
}

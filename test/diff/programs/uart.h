/* Minimal console for the differential test programs: UART0 THR and hex/decimal printing. */
#include <stdint.h>
static inline void putc_uart(char c) { *(volatile uint8_t *)0x10000000 = (uint8_t)c; }
static inline void puts_uart(const char *s) { while (*s) putc_uart(*s++); }
static inline void puthex(uint64_t v) {
  for (int i = 60; i >= 0; i -= 4) putc_uart("0123456789abcdef"[(v >> i) & 15]);
}
static inline void putdec(int64_t v) {
  char b[24]; int n = 0; uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
  if (v < 0) putc_uart('-');
  do { b[n++] = (char)('0' + u % 10); u /= 10; } while (u);
  while (n) putc_uart(b[--n]);
}

/*
 * int.c - integer workload: xorshift64 random numbers, multiply/divide, bit counting,
 * a bitwise CRC-32 and a small Collatz walk, all in registers (few loads and stores).
 * Built twice: int.elf without compressed instructions, comp.elf with them (same work).
 * PASSES identical passes (each starts from the same state), so the instruction count of N
 * passes is a + N*b: rvrr counts 1 and 2 passes, QEMU runs many (see bench.h).
 */
#include "bench.h"

#ifndef REPS
#define REPS 150000
#endif

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static uint32_t crc32_byte(uint32_t crc, uint8_t b)
{
    crc ^= b;
    for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    return crc;
}

static int popcount(uint64_t v)
{
    int n = 0;
    while (v) {
        v &= v - 1;
        n++;
    }
    return n;
}

static uint64_t __attribute__((noinline)) pass(void)
{
    BARRIER();
    uint64_t seed = 0x9e3779b97f4a7c15ull, sum = 0;
    uint32_t crc = 0xffffffffu;
    for (long i = 0; i < REPS; i++) {
        uint64_t r = xorshift(&seed);
        sum += r * 0x2545f4914f6cdd1dull;
        sum ^= (r >> 3) / ((r & 0xff) | 1);
        sum += (uint64_t)popcount(r);
        crc = crc32_byte(crc, (uint8_t)r);
        uint32_t c = (uint32_t)(r & 0x3ff) | 1;
        int steps = 0;
        while (c != 1 && steps < 16) {
            c = (c & 1) ? 3 * c + 1 : c >> 1;
            steps++;
        }
        sum += (uint64_t)steps + (int64_t)(int32_t)(uint32_t)r % 7;
    }
    return sum ^ crc;
}

int main(void)
{
    return run_passes("int", pass);
}

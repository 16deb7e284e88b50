/*
 * fp.c - F/D workload: a double-precision matrix multiply, an n-body step in doubles
 * (fsqrt.d, fdiv.d) and a single-precision polynomial with fused multiply-adds.
 */
#include "bench.h"

#ifndef REPS
#define REPS 24
#endif

#define N 48
static double A[N][N], B[N][N], C[N][N];

#define BODIES 16
static double px[BODIES], py[BODIES], pz[BODIES], vx[BODIES], vy[BODIES], vz[BODIES];

static uint64_t __attribute__((noinline)) pass(void)
{
    BARRIER();
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = (double)(i * N + j) / (N * N) - 0.5;
            B[i][j] = (double)((i + 7) * (j + 3) % 17) * 0.125;
        }
    for (int b = 0; b < BODIES; b++) {
        px[b] = b * 1.5;
        py[b] = (b % 4) * 0.75;
        pz[b] = (b % 3) - 1.0;
        vx[b] = vy[b] = vz[b] = 0.0;
    }
    float poly = 0.0f;
    for (int rep = 0; rep < REPS; rep++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                double s = 0.0;
                for (int k = 0; k < N; k++)
                    s += A[i][k] * B[k][j];
                C[i][j] = s;
            }
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                A[i][j] = C[i][j] * (1.0 / 64.0) + A[i][j] * 0.5;
        for (int step = 0; step < 20; step++)
            for (int i = 0; i < BODIES; i++) {
                double ax = 0, ay = 0, az = 0;
                for (int j = 0; j < BODIES; j++) {
                    if (i == j)
                        continue;
                    double dx = px[j] - px[i], dy = py[j] - py[i], dz = pz[j] - pz[i];
                    double d2 = dx * dx + dy * dy + dz * dz + 0.01;
                    double inv = 1.0 / (d2 * __builtin_sqrt(d2));
                    ax += dx * inv;
                    ay += dy * inv;
                    az += dz * inv;
                }
                vx[i] += ax * 0.001;
                vy[i] += ay * 0.001;
                vz[i] += az * 0.001;
                px[i] += vx[i] * 0.001;
                py[i] += vy[i] * 0.001;
                pz[i] += vz[i] * 0.001;
            }
        for (int k = 0; k < 4000; k++) {
            float x = (float)(k & 255) * 0.00390625f;
            poly += ((x * 0.5f + 0.25f) * x - 0.125f) * x + 1.0f;
        }
    }
    uint64_t bits = 0;
    for (int i = 0; i < N; i++) {
        union { double d; uint64_t u; } u = { .d = C[i][(i * 5) % N] };
        bits = bits * 31 + u.u;
    }
    for (int b = 0; b < BODIES; b++) {
        union { double d; uint64_t u; } u = { .d = px[b] + py[b] + pz[b] };
        bits ^= u.u + (uint64_t)b;
    }
    union { float f; uint32_t u; } pf = { .f = poly };
    return bits ^ pf.u;
}

int main(void)
{
    return run_passes("fp", pass);
}

/* Small float64 matrix products and transposes for ad.jit's array interpreter (_interpreters).
 *
 * dualad_matmul: y (M, N) = a (M, K) @ b (K, N), y C-contiguous; element (m, k) of a at
 * a[m * ars + k * acs] (a may be read transposed in place), b C-contiguous or, with
 * b_transposed, its (N, K) transpose.
 *
 * Each element is the fused multiply-adds of its K products in order, from +0.0, then + 0.0:
 * as OpenBLAS's x86-64 dgemm kernels accumulate the elements of their main blocks (its edge
 * and matrix-vector kernels split the sums), so a product here is eager's within rounding,
 * NaN and infinities included. fma() is exactly rounded wherever it runs (an instruction, or
 * libm where the CPU has none), so the bits do not depend on the build.
 *
 * With AVX2 and FMA (the default -march=x86-64-v3), blocks of 4 rows x 8 columns of y stay
 * in registers while k runs (4 x 4 and masked 4 x 1-3 at the right edge, rows 16 columns at
 * a time at the bottom); b is read along rows, copied once (dualad_transpose) into a buffer
 * on a cache line when it is held transposed. Without them, the same sums one element at a time. The interpreter's
 * arena keeps its values on cache lines too: loads straddling two lines cost up to a fifth.
 */
#ifndef DUALAD_MATMUL_H
#define DUALAD_MATMUL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define DUALAD_MATMUL_BLOCKS 1
#else
#define DUALAD_MATMUL_BLOCKS 0
#endif

#if !DUALAD_MATMUL_BLOCKS
/* one element at a time */
static void dualad_matmul_scalar(double* y, const double* a, ptrdiff_t ars, ptrdiff_t acs,
                                 const double* b, ptrdiff_t brs, ptrdiff_t bcs, ptrdiff_t M,
                                 ptrdiff_t K, ptrdiff_t N) {
    for (ptrdiff_t m = 0; m < M; m++) {
        for (ptrdiff_t n = 0; n < N; n++) {
            double s = 0.0;
            for (ptrdiff_t k = 0; k < K; k++)
                s = fma(a[m * ars + k * acs], b[k * brs + n * bcs], s);
            y[m * N + n] = s + 0.0;
        }
    }
}
#endif

#if DUALAD_MATMUL_BLOCKS
/* the lanes of a group of 4 columns of which ``left`` (1 or more) remain: the first ones */
static inline __m256i dualad_tail_mask(ptrdiff_t left) {
    return _mm256_set_epi64x(left > 3 ? -1 : 0, left > 2 ? -1 : 0, left > 1 ? -1 : 0, -1);
}

#define DUALAD_FMA(c, x, v) c = _mm256_fmadd_pd(x, v, c)
#define DUALAD_DONE(c) _mm256_add_pd(c, _mm256_setzero_pd())

/* rows m..m+3 of y from contiguous rows of b (brs apart): 4 x 8 blocks, then 4 x 4, then
 * the last 1-3 columns through masked loads (lanes off read and write nothing) */
/* (out of line: compiled on its own, its loop keeps every pointer in a register) */
__attribute__((noinline))
static void dualad_matmul_rows4(double* y, const double* a, ptrdiff_t ars, ptrdiff_t acs,
                                const double* b, ptrdiff_t brs, ptrdiff_t K, ptrdiff_t N) {
    const __m256d zero = _mm256_setzero_pd();
    ptrdiff_t n = 0;
    for (; n + 8 <= N; n += 8) {
        __m256d c00 = zero, c01 = zero, c10 = zero, c11 = zero;
        __m256d c20 = zero, c21 = zero, c30 = zero, c31 = zero;
        const double *a0 = a, *a1 = a + ars, *a2 = a + 2 * ars, *a3 = a + 3 * ars;
        const double* bk = b + n;
        for (ptrdiff_t k = 0; k < K; k++) {
            __m256d b0 = _mm256_loadu_pd(bk), b1 = _mm256_loadu_pd(bk + 4), x;
            x = _mm256_broadcast_sd(a0);
            DUALAD_FMA(c00, x, b0); DUALAD_FMA(c01, x, b1);
            x = _mm256_broadcast_sd(a1);
            DUALAD_FMA(c10, x, b0); DUALAD_FMA(c11, x, b1);
            x = _mm256_broadcast_sd(a2);
            DUALAD_FMA(c20, x, b0); DUALAD_FMA(c21, x, b1);
            x = _mm256_broadcast_sd(a3);
            DUALAD_FMA(c30, x, b0); DUALAD_FMA(c31, x, b1);
            a0 += acs, a1 += acs, a2 += acs, a3 += acs, bk += brs;
        }
        double* yn = y + n;
        _mm256_storeu_pd(yn, DUALAD_DONE(c00));
        _mm256_storeu_pd(yn + 4, DUALAD_DONE(c01));
        _mm256_storeu_pd(yn + N, DUALAD_DONE(c10));
        _mm256_storeu_pd(yn + N + 4, DUALAD_DONE(c11));
        _mm256_storeu_pd(yn + 2 * N, DUALAD_DONE(c20));
        _mm256_storeu_pd(yn + 2 * N + 4, DUALAD_DONE(c21));
        _mm256_storeu_pd(yn + 3 * N, DUALAD_DONE(c30));
        _mm256_storeu_pd(yn + 3 * N + 4, DUALAD_DONE(c31));
    }
    for (; n < N; n += 4) {
        const __m256i mask = dualad_tail_mask(N - n);
        __m256d c0 = zero, c1 = zero, c2 = zero, c3 = zero;
        const double *a0 = a, *a1 = a + ars, *a2 = a + 2 * ars, *a3 = a + 3 * ars;
        const double* bk = b + n;
        for (ptrdiff_t k = 0; k < K; k++) {
            __m256d b0 = _mm256_maskload_pd(bk, mask);
            DUALAD_FMA(c0, _mm256_broadcast_sd(a0), b0);
            DUALAD_FMA(c1, _mm256_broadcast_sd(a1), b0);
            DUALAD_FMA(c2, _mm256_broadcast_sd(a2), b0);
            DUALAD_FMA(c3, _mm256_broadcast_sd(a3), b0);
            a0 += acs, a1 += acs, a2 += acs, a3 += acs, bk += brs;
        }
        _mm256_maskstore_pd(y + n, mask, DUALAD_DONE(c0));
        _mm256_maskstore_pd(y + N + n, mask, DUALAD_DONE(c1));
        _mm256_maskstore_pd(y + 2 * N + n, mask, DUALAD_DONE(c2));
        _mm256_maskstore_pd(y + 3 * N + n, mask, DUALAD_DONE(c3));
    }
}

/* one row of y: 16 columns at a time (four independent sums in flight), then 4 at a time
 * (the last group masked) */
__attribute__((noinline))
static void dualad_matmul_row(double* y, const double* a, ptrdiff_t acs, const double* b,
                              ptrdiff_t brs, ptrdiff_t K, ptrdiff_t N) {
    const __m256d zero = _mm256_setzero_pd();
    ptrdiff_t n = 0;
    for (; n + 16 <= N; n += 16) {
        __m256d c0 = zero, c1 = zero, c2 = zero, c3 = zero;
        const double* ak = a;
        const double* bk = b + n;
        for (ptrdiff_t k = 0; k < K; k++, ak += acs, bk += brs) {
            __m256d x = _mm256_broadcast_sd(ak);
            DUALAD_FMA(c0, x, _mm256_loadu_pd(bk));
            DUALAD_FMA(c1, x, _mm256_loadu_pd(bk + 4));
            DUALAD_FMA(c2, x, _mm256_loadu_pd(bk + 8));
            DUALAD_FMA(c3, x, _mm256_loadu_pd(bk + 12));
        }
        _mm256_storeu_pd(y + n, DUALAD_DONE(c0));
        _mm256_storeu_pd(y + n + 4, DUALAD_DONE(c1));
        _mm256_storeu_pd(y + n + 8, DUALAD_DONE(c2));
        _mm256_storeu_pd(y + n + 12, DUALAD_DONE(c3));
    }
    for (; n < N; n += 4) {
        const __m256i mask = dualad_tail_mask(N - n);
        __m256d c = zero;
        const double* ak = a;
        const double* bk = b + n;
        for (ptrdiff_t k = 0; k < K; k++, ak += acs, bk += brs)
            DUALAD_FMA(c, _mm256_broadcast_sd(ak), _mm256_maskload_pd(bk, mask));
        _mm256_maskstore_pd(y + n, mask, DUALAD_DONE(c));
    }
}
#undef DUALAD_FMA
#undef DUALAD_DONE
#endif

/* y (C, R) = x (R, C).T, both C-contiguous, in tiles of 8 x 8 (both matrices' lines of a
 * tile stay in cache) */
static void dualad_transpose(double* y, const double* x, ptrdiff_t R, ptrdiff_t C) {
    for (ptrdiff_t i0 = 0; i0 < R; i0 += 8)
        for (ptrdiff_t j0 = 0; j0 < C; j0 += 8)
            for (ptrdiff_t i = i0; i < i0 + 8 && i < R; i++)
                for (ptrdiff_t j = j0; j < j0 + 8 && j < C; j++)
                    y[j * R + i] = x[i * C + j];
}

/* Returns 0, or -1 when no memory was left for a copy of b held transposed (y is then
 * unwritten) */
static int dualad_matmul(double* y, const double* a, ptrdiff_t ars, ptrdiff_t acs,
                         const double* b, int b_transposed, ptrdiff_t M, ptrdiff_t K,
                         ptrdiff_t N) {
    ptrdiff_t brs = b_transposed ? 1 : N;
#if DUALAD_MATMUL_BLOCKS
    void* block = NULL;
    if (b_transposed && N > 1) {   /* rows of b contiguous: a copy, on a cache line */
        block = malloc((size_t)(K * N) * sizeof(double) + 64);
        if (block == NULL)
            return -1;
        double* copy = (double*)(((uintptr_t)block + 63) & ~(uintptr_t)63);
        dualad_transpose(copy, b, N, K);
        b = copy, brs = N;
    }
    ptrdiff_t m = 0;
    for (; m + 4 <= M; m += 4)
        dualad_matmul_rows4(y + m * N, a + m * ars, ars, acs, b, brs, K, N);
    for (; m < M; m++)
        dualad_matmul_row(y + m * N, a + m * ars, acs, b, brs, K, N);
    free(block);
#else
    dualad_matmul_scalar(y, a, ars, acs, b, brs, b_transposed ? K : 1, M, K, N);
#endif
    return 0;
}

#endif

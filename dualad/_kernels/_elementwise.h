/* dualad's own elementwise functions, named by the op table (optable.py) and used by the
 * compiled loops (_unary) and ad.jit's interpreters (_interpreters), so both compute the same bits.
 *
 * Each comes in a double and a float version (suffix f), as libm's functions do. Static inline,
 * so GCC inlines them into the loops and vectorises those loops with _vecmath.h's SIMD math.
 */
#ifndef DUALAD_ELEMENTWISE_H
#define DUALAD_ELEMENTWISE_H

#include "_vecmath.h"

#define DUALAD_FUNCTIONS(T, F)                                                               \
/* 1 / (1 + exp(-x)) with exp(-|x|) <= 1: never overflows; NaN stays NaN */                  \
static inline T dualad_sigmoid##F(T x) {                                                     \
    T e = exp##F(-fabs##F(x));                                                               \
    return (x >= 0 ? (T)1 : e) / (1 + e);                                                    \
}                                                                                            \
/* np.sign: NaN stays NaN, 0 at +-0 */                                                       \
static inline T dualad_sign##F(T x) {                                                        \
    return x != x ? x : (T)((x > 0) - (x < 0));                                              \
}                                                                                            \
/* x > 0 as 0 or 1 (0 at 0 and at NaN): relu's derivative */                                \
static inline T dualad_step##F(T x) {                                                        \
    return (T)(x > 0);                                                                       \
}                                                                                            \
/* np.maximum and np.minimum: NaN in either argument gives NaN (the first one's at a tie) */   \
static inline T dualad_maximum##F(T a, T b) {                                                \
    return (a >= b || a != a) ? a : b;                                                       \
}                                                                                            \
static inline T dualad_minimum##F(T a, T b) {                                                \
    return (a <= b || a != a) ? a : b;                                                       \
}                                                                                            \
/* max(x, 0) with NaN staying NaN (np.maximum) */                                            \
static inline T dualad_relu##F(T x) {                                                        \
    return x <= 0 ? (T)0 : x;                                                                \
}                                                                                            \
/* tanh |x| = -t / (t + 2) with t = expm1(-2|x|) in [-1, 0]: no overflow, no cancellation    \
 * near 0 (glibc's scalar tanh uses the same identity); the sign restored by copysign, so     \
 * -0.0 stays -0.0, +-inf give +-1 and NaN stays NaN */                                      \
static inline T dualad_tanh_expm1##F(T x) {                                                  \
    T t = expm1##F(-2 * fabs##F(x));                                                         \
    return copysign##F(-t / (t + 2), x);                                                     \
}

DUALAD_FUNCTIONS(double, )
DUALAD_FUNCTIONS(float, f)

#undef DUALAD_FUNCTIONS

#endif

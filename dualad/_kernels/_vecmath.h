/* Vector variants of libm functions, for GCC's loop vectoriser.
 *
 * glibc's libmvec provides SIMD versions of sin, exp, tanh, ... but <math.h> only declares
 * them under -ffast-math (__FAST_MATH__), whose -ffinite-math-only and -fno-signed-zeros
 * would change NaN, inf and -0.0 results. The libmvec functions themselves handle those
 * special values like the scalar libm, so they are declared here one by one, and the
 * kernels are compiled with -fno-math-errno (which lets GCC call them) and nothing looser.
 * Elsewhere (other compilers, other C libraries) this header is plain <math.h> and the
 * loops stay scalar.
 */
#ifndef DUALAD_VECMATH_H
#define DUALAD_VECMATH_H

#include <math.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__) \
    && !defined(__FAST_MATH__)

#define DUALAD_SIMD(name) \
    __attribute__((simd("notinbranch"))) double name(double); \
    __attribute__((simd("notinbranch"))) float name##f(float);

#if __GLIBC_PREREQ(2, 22)
DUALAD_SIMD(exp)
DUALAD_SIMD(log)
DUALAD_SIMD(sin)
DUALAD_SIMD(cos)
#endif

#if __GLIBC_PREREQ(2, 35)
DUALAD_SIMD(expm1)
DUALAD_SIMD(log1p)
DUALAD_SIMD(tan)
DUALAD_SIMD(atan)
DUALAD_SIMD(sinh)
DUALAD_SIMD(cosh)
DUALAD_SIMD(tanh)
#endif

#undef DUALAD_SIMD
#endif

#endif

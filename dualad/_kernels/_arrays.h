/* Array predicates shared by the compiled modules (the kernels and the engine's sweep). */
#ifndef DUALAD_ARRAYS_H
#define DUALAD_ARRAYS_H

#include <numpy/arrayobject.h>

/* Whether the array repeats one element: every axis longer than 1 has stride 0 (a broadcast
   view of a single value, such as the cotangent of ones a sum hands back). */
static inline int dualad_one_value(PyArrayObject *a)
{
    for (int i = 0; i < PyArray_NDIM(a); i++)
        if (PyArray_DIM(a, i) > 1 && PyArray_STRIDE(a, i) != 0)
            return 0;
    return 1;
}

#endif

#ifndef INLET_MALLOC_COUNTER_H
#define INLET_MALLOC_COUNTER_H
#include <stdint.h>

/// Number of allocation calls (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made by this
/// process since start, from every thread.
uint64_t inlet_malloc_count(void);
/// Bytes requested by those calls.
uint64_t inlet_malloc_bytes(void);

#endif

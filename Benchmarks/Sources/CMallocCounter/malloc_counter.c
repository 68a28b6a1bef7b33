// Allocation counter: these definitions interpose glibc's allocator for the whole process (the executable's symbols
// come first in the dynamic linker's search order) and forward to glibc's own entry points (__libc_*).
#include "malloc_counter.h"
#include <stddef.h>
#include <errno.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static uint64_t count;
static uint64_t bytes;

static inline void note(size_t n) {
    __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&bytes, n, __ATOMIC_RELAXED);
}

void *malloc(size_t n) { note(n); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { note(a * b); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { note(n); return __libc_realloc(p, n); }
void *memalign(size_t align, size_t n) { note(n); return __libc_memalign(align, n); }
void *aligned_alloc(size_t align, size_t n) { note(n); return __libc_memalign(align, n); }
int posix_memalign(void **out, size_t align, size_t n) {
    note(n);
    void *p = __libc_memalign(align, n);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}

uint64_t inlet_malloc_count(void) { return __atomic_load_n(&count, __ATOMIC_RELAXED); }
uint64_t inlet_malloc_bytes(void) { return __atomic_load_n(&bytes, __ATOMIC_RELAXED); }

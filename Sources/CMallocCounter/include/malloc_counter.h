#ifndef PACETOP_MALLOC_COUNTER_H
#define PACETOP_MALLOC_COUNTER_H
#include <stdint.h>
/// Number of malloc/calloc/realloc calls made by this process so far.
uint64_t pacetop_malloc_count(void);
#endif

#include "CBuildInfo.h"

#ifndef PACETOP_COMMIT
#define PACETOP_COMMIT "unknown"
#endif

const char *pacetop_build_commit(void) { return PACETOP_COMMIT; }

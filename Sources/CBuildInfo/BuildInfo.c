#include "CBuildInfo.h"

// scripts/package writes pacetop_commit.h (#define PACETOP_COMMIT "…") into its build folder
// and adds that folder to the include path: the flag stays the same from one commit to the
// next, so a new commit recompiles this file only.
#if __has_include("pacetop_commit.h")
#include "pacetop_commit.h"
#endif

#ifndef PACETOP_COMMIT
#define PACETOP_COMMIT "unknown"
#endif

const char *pacetop_build_commit(void) { return PACETOP_COMMIT; }

#ifndef PACETOP_CBUILDINFO_H
#define PACETOP_CBUILDINFO_H

/// The git commit pacetop was built from, for --version: scripts/package passes
/// -DPACETOP_COMMIT="<commit>" (a C macro, as Swift has no valued compile-time defines);
/// other builds say "unknown".
const char *pacetop_build_commit(void);

#endif

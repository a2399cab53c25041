#ifndef PACETOP_CBUILDINFO_H
#define PACETOP_CBUILDINFO_H

/// The git commit pacetop was built from, for --version, as scripts/package baked it in;
/// other builds say "unknown".
const char *pacetop_build_commit(void);

#endif

#ifndef KEYLEAK_CBUILDINFO_SHIM_H
#define KEYLEAK_CBUILDINFO_SHIM_H
// What the build command line says about the build, for `keyleak version`.
// scripts/package passes -Xcc -DKEYLEAK_BUILD_COMMIT="\"<git commit>\""; a
// plain `swift build` passes nothing and the commit is empty (unknown).
#ifndef KEYLEAK_BUILD_COMMIT
#define KEYLEAK_BUILD_COMMIT ""
#endif

/// The git commit this binary was built from ("" when the build did not say).
static inline const char *keyleak_build_commit(void) { return KEYLEAK_BUILD_COMMIT; }
#endif

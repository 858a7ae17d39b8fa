#ifndef KEYLEAK_CSYSTEM_SHIM_H
#define KEYLEAK_CSYSTEM_SHIM_H
// fstatfs (file system type), which Swift's Glibc module leaves out.
#if defined(__linux__)
#include <sys/vfs.h>
#else
#include <sys/param.h>
#include <sys/mount.h>
#endif
#endif

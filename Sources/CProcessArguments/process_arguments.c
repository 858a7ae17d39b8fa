// The Swift runtime finds argv on Linux by reading /proc/self/maps to locate
// the initial stack. Where /proc is not mounted (an empty chroot, a sandbox
// without it) that fails silently and CommandLine.arguments is empty: keyleak
// would then run its default command, `scan .`, whatever it was asked. glibc
// passes argc and argv to every .init_array constructor, so this one hands
// them to the runtime's override (which CommandLine reads first) before main.
#include "CProcessArguments.h"
#include <stdlib.h>  // defines __GLIBC__ on glibc

#if defined(__linux__) && defined(__GLIBC__)
// Exported by the Swift runtime (libswiftCore) for this purpose; it stores two pointers.
extern void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc);

static void keyleak_capture_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc > 0 && argv != 0) _swift_stdlib_overrideUnsafeArgvArgc(argv, argc);
}

// NOTE: an explicit .init_array entry rather than __attribute__((constructor)):
// the same mechanism, but the (argc, argv, envp) glibc passes are in its type.
__attribute__((section(".init_array"), used))
static void (*const keyleak_capture_arguments_entry)(int, char **, char **) = keyleak_capture_arguments;
#endif

#ifndef KEYLEAK_CARCHIVE_SHIM_H
#define KEYLEAK_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif

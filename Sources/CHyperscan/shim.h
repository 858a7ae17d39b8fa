#ifndef KEYLEAK_CHYPERSCAN_SHIM_H
#define KEYLEAK_CHYPERSCAN_SHIM_H
// Vectorscan (Debian's libvectorscan-dev) or Hyperscan: the same hs.h API.
#include <hs.h>
#endif

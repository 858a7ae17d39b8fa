#ifndef KEYLEAK_CPROCESSARGUMENTS_H
#define KEYLEAK_CPROCESSARGUMENTS_H
// Nothing to call: linking this target hands the process's arguments to the
// Swift runtime before main (see process_arguments.c).
#endif

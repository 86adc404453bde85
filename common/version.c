/* version.c — the version string, from git describe at build time. */
#include "util.h"

#ifndef TARE_VERSION
#define TARE_VERSION "unknown"
#endif

const char *tare_version(void)
{
	return TARE_VERSION;
}

/* units.h — the harness side of common/tare_units.h: a shared page of work counters. */
#ifndef TARE_UNITS_HARNESS_H
#define TARE_UNITS_HARNESS_H

#include <stdint.h>

#include "tare_units.h"

struct units_page {
	int fd;                   /* memfd, inherited by the workload as TARE_UNITS_FD */
	struct tare_units *page;
};

int units_create(struct units_page *u);
uint64_t units_read(const struct units_page *u);
/* What the workload calls its unit ("iterations"), or "" when it never said. */
const char *units_name(const struct units_page *u);
void units_destroy(struct units_page *u);

#endif

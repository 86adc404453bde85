/* env.h — the environment a run happened in, recorded with its results.
 * A number without its machine is not a result: kernel, CPU, PMU, perf_event_paranoid,
 * cgroup mode, clock source, virtualisation, and the tools' versions. */
#ifndef TARE_ENV_H
#define TARE_ENV_H

#include <jansson.h>

#include "cgroup.h"

/* Does this machine have a hardware PMU (can it count cycles)?  1 yes, 0 no; why says which. */
int env_has_pmu(char *why, size_t len);
json_t *env_capture(const struct cgroup_sys *cg);
/* The first /proc/cpuinfo line's value for a field ("cpu family"), malloc'd; NULL if absent. */
char *env_cpuinfo_field(const char *name);

#endif

/* compare_int.h — what compare.c (the comparison and the command) and compare_output.c (the
 * writers) share beyond compare.h.  Nothing outside tare compare includes it. */
#ifndef TARE_COMPARE_INT_H
#define TARE_COMPARE_INT_H

#include "compare.h"

/* The label of the workload configuration `config` runs. */
const char *cmp_workload_label(const struct loaded_results *lr, int config);
/* A string of results.json: key of its root (obj NULL) or of its object obj; NULL when absent. */
const char *cmp_root_str(const struct loaded_results *lr, const char *obj, const char *key);

#endif

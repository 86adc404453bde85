/* samplecli.h — what the two samplers' commands share (tare sample, profilers/ref/sample.c;
 * tare sample --bpf, profilers/bpf/profile.c): their messages and argument checks. */
#ifndef TARE_REF_SAMPLECLI_H
#define TARE_REF_SAMPLECLI_H

#include <stdint.h>

/* "tare sample: MESSAGE" on stderr; sample_debug only with -v (tare_verbose). */
void sample_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sample_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A decimal in [min, max] into *out; -1 when s is not one. */
int sample_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Whether an output can be written where it is asked for (a file beside it is created and
 * removed), before anything is measured; -1 after one line saying why not. */
int sample_check_writable(const char *path);

#endif

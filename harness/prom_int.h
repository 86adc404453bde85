/* prom_int.h — what prom.c (the text exposition format) and prom_http.c (the HTTP exchange)
 * share beyond prom.h: the error-message helper both sides fail through, and the blank the
 * format and HTTP headers both skip.  Nothing outside those two files includes it. */
#ifndef TARE_PROM_INT_H
#define TARE_PROM_INT_H

#include <stdbool.h>
#include <stddef.h>

void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool is_blank(char c);

#endif

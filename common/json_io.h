/* json_io.h — the JSON helpers every tare document shares (results.json, calibration.json,
 * validation.json, compare's JSON), over jansson.
 *
 * One convention throughout: a figure that could not be computed is NaN in C and null in JSON,
 * both ways.
 */
#ifndef TARE_JSON_IO_H
#define TARE_JSON_IO_H

#include <jansson.h>

/* x as a JSON real, or null when it is NaN or infinite (jansson refuses those). */
json_t *json_num_or_null(double x);

/* o[key] as a number: NaN when it is null, dflt when it is missing or not a number. */
double json_get_number(const json_t *o, const char *key, double dflt);

/* o[key] as a string (borrowed from o), dflt when it is missing or not a string. */
const char *json_get_string(const json_t *o, const char *key, const char *dflt);

#endif

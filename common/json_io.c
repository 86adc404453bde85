/* json_io.c — the JSON helpers every tare document shares. */
#include "json_io.h"

#include <math.h>

json_t *json_num_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

double json_get_number(const json_t *o, const char *key, double dflt)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : json_is_null(v) ? NAN : dflt;
}

const char *json_get_string(const json_t *o, const char *key, const char *dflt)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : dflt;
}

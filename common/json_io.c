/* json_io.c — the JSON helpers every tare document shares. */
#include "json_io.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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

static json_t *field_json(const struct json_field *fd, const char *p)
{
	switch (fd->type) {
	case FIELD_INT: return json_integer(*(const int *)p);
	case FIELD_U64: return json_integer((json_int_t) * (const uint64_t *)p);
	case FIELD_I64: return *(const int64_t *)p < 0 ? json_null() : json_integer((json_int_t) * (const int64_t *)p);
	case FIELD_DOUBLE: return json_num_or_null(*(const double *)p);
	case FIELD_STR: return json_string(p);
	case FIELD_BOOL: return json_boolean(*(const int *)p);
	case FIELD_STRP: return *(char *const *)p ? json_string(*(char *const *)p) : json_null();
	case FIELD_ENUM:
		for (int i = 0; fd->names[i]; i++)
			if (i == *(const int *)p)
				return json_string(fd->names[i]);
		return json_null();
	case FIELD_CUSTOM: return fd->codec->write(p);
	}
	return json_null();
}

void json_set_fields(json_t *o, const struct json_field *fields, int n, const void *rec, unsigned groups)
{
	for (int f = 0; f < n; f++)
		if (!fields[f].group || (fields[f].group & groups))
			json_object_set_new(o, fields[f].name, field_json(&fields[f], (const char *)rec + fields[f].offset));
}

json_t *json_from_fields(const struct json_field *fields, int n, const void *rec)
{
	json_t *o = json_object();
	json_set_fields(o, fields, n, rec, ~0u);
	return o;
}

/* An integer field's default: a table of mostly doubles may give every field NaN. */
static long long int_dflt(const struct json_field *fd)
{
	return isfinite(fd->dflt) ? (long long)fd->dflt : 0;
}

static void field_from_json(const struct json_field *fd, const json_t *v, char *p)
{
	switch (fd->type) {
	case FIELD_INT:
		*(int *)p = json_is_integer(v) ? (int)json_integer_value(v) : json_is_null(v) ? 0 : (int)int_dflt(fd);
		break;
	case FIELD_U64:
		*(uint64_t *)p = json_is_integer(v) ? (uint64_t)json_integer_value(v) : json_is_null(v) ? 0 : (uint64_t)int_dflt(fd);
		break;
	case FIELD_I64:
		*(int64_t *)p = json_is_integer(v) ? (int64_t)json_integer_value(v) : json_is_null(v) ? -1 : (int64_t)int_dflt(fd);
		break;
	case FIELD_DOUBLE:
		*(double *)p = json_is_number(v) ? json_number_value(v) : json_is_null(v) ? NAN : fd->dflt;
		break;
	case FIELD_STR:
		snprintf(p, fd->size, "%s", json_is_string(v) ? json_string_value(v) : "");
		break;
	case FIELD_BOOL:
		*(int *)p = json_is_boolean(v) ? json_is_true(v) : (int)int_dflt(fd);
		break;
	case FIELD_STRP: {
		const char *s = json_is_string(v) ? json_string_value(v) : fd->sdflt;
		*(char **)p = s ? xstrdup(s) : NULL;
		break;
	}
	case FIELD_ENUM:
		*(int *)p = (int)int_dflt(fd);
		for (int i = 0; json_is_string(v) && fd->names[i]; i++)
			if (!strcmp(json_string_value(v), fd->names[i]))
				*(int *)p = i;
		break;
	case FIELD_CUSTOM:
		fd->codec->read(v, p);
		break;
	}
}

void json_get_fields(const json_t *o, const struct json_field *fields, int n, void *rec)
{
	for (int f = 0; f < n; f++)
		field_from_json(&fields[f], json_object_get(o, fields[f].name), (char *)rec + fields[f].offset);
}

void json_free_fields(const struct json_field *fields, int n, void *rec)
{
	for (int f = 0; f < n; f++) {
		char *p = (char *)rec + fields[f].offset;
		if (fields[f].type == FIELD_STRP) {
			free(*(char **)p);
			*(char **)p = NULL;
		} else if (fields[f].type == FIELD_CUSTOM && fields[f].codec->free) {
			fields[f].codec->free(p);
		}
	}
}

static json_t *strv_write(const void *field)
{
	char *const *v = *(char *const *const *)field;
	json_t *a;
	if (!v)
		return json_null();
	a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

/* A non-string element reads as "", so the vector keeps its length. */
static void strv_read(const json_t *a, void *field)
{
	char **v = NULL;
	size_t n = json_is_array(a) ? json_array_size(a) : 0;
	if (json_is_array(a)) {
		v = xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			v[i] = xstrdup(json_is_string(json_array_get(a, i)) ? json_string_value(json_array_get(a, i)) : "");
	}
	*(char ***)field = v;
}

static void strv_free(void *field)
{
	char **v = *(char ***)field;
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
	*(char ***)field = NULL;
}

const struct json_codec json_strv_codec = { strv_write, strv_read, strv_free };

static json_t *value_write(const void *field)
{
	json_t *v = *(json_t *const *)field;
	return v ? v : json_null();
}

static void value_read(const json_t *v, void *field)
{
	*(json_t **)field = (json_t *)v;
}

const struct json_codec json_value_codec = { value_write, value_read, NULL };

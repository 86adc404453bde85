/* json_io.h — the JSON helpers every tare document shares (results.json, calibration.json,
 * validation.json, compare's JSON), over jansson.
 *
 * One convention throughout: a figure that could not be computed is NaN in C and null in JSON,
 * both ways.
 */
#ifndef TARE_JSON_IO_H
#define TARE_JSON_IO_H

#include <stddef.h>

#include <jansson.h>

/* x as a JSON real, or null when it is NaN or infinite (jansson refuses those). */
json_t *json_num_or_null(double x);

/* o[key] as a number: NaN when it is null, dflt when it is missing or not a number. */
double json_get_number(const json_t *o, const char *key, double dflt);

/* o[key] as a string (borrowed from o), dflt when it is missing or not a string. */
const char *json_get_string(const json_t *o, const char *key, const char *dflt);

/* ---- documents described by a table ----------------------------------------------------------
 * A flat part of a document is a table of its struct's fields: the key, the C type and where the
 * field lives.  One table drives the writer and the reader (and results.c's CSV), so a key is
 * spelled once.  Absent figures: a double is NaN <-> null, an int64 below 0 <-> null. */
enum json_field_type {
	FIELD_INT,      /* int */
	FIELD_U64,      /* uint64_t */
	FIELD_I64,      /* int64_t, negative = unknown (null) */
	FIELD_DOUBLE,   /* double, NaN = unknown (null) */
	FIELD_STR,      /* char[size] */
	FIELD_BOOL,     /* int, written as true/false */
	FIELD_ENUM,     /* int (an enum) written as names[value] */
	FIELD_STRP,     /* char *, NULL written as null; read back as a copy (xstrdup) or sdflt's */
	FIELD_CUSTOM,   /* anything else: its codec writes and reads it */
};

/* How a FIELD_CUSTOM field is written and read back; field points at it in the struct.  free
 * releases what read allocated (NULL: nothing). */
struct json_codec {
	json_t *(*write)(const void *field);
	void (*read)(const json_t *v, void *field);
	void (*free)(void *field);
};
extern const struct json_codec json_strv_codec;   /* char **, NULL-terminated; NULL <-> null */
/* json_t *, any JSON value (NULL <-> null): the writer hands the field's reference to the
 * document; the reader's field borrows from the document it read. */
extern const struct json_codec json_value_codec;

struct json_field {
	const char *name;
	enum json_field_type type;
	size_t offset;
	size_t size;                  /* of the C field (FIELD_STR: its array) */
	double dflt;                  /* read back when the key is absent or of another type (an
	                               * integer field whose dflt is NaN reads 0) */
	unsigned group;               /* 0: always written; else only when the writer's groups say */
	const char *const *names;     /* FIELD_ENUM: the names by value, NULL-terminated */
	const char *sdflt;            /* FIELD_STRP: read back (copied) when absent; NULL: NULL */
	const struct json_codec *codec;   /* FIELD_CUSTOM */
};

#define JSON_FIELD_AT_(S, member, key, type_) \
	.name = key, .type = type_, .offset = offsetof(S, member), .size = sizeof(((S *)0)->member)
/* Field member of struct S under key, read back as dflt when absent, in writer group g. */
#define JSON_FIELD_KEY(S, member, key, type, dflt_, g) \
	{ JSON_FIELD_AT_(S, member, key, type), .dflt = dflt_, .group = g }
/* ...under its own name, always written. */
#define JSON_FIELD(S, member, type, dflt) JSON_FIELD_KEY(S, member, #member, type, dflt, 0)
#define JSON_FIELD_AS(S, member, key, type, dflt) JSON_FIELD_KEY(S, member, key, type, dflt, 0)
/* ...written only when the writer is given a group bit of g. */
#define JSON_FIELD_IN(S, member, type, dflt, g) JSON_FIELD_KEY(S, member, #member, type, dflt, g)
/* An enum written as one of names_[] (NULL-terminated), read back as dflt_ when it names none. */
#define JSON_FIELD_ENUM(S, member, key, names_, dflt_) \
	{ JSON_FIELD_AT_(S, member, key, FIELD_ENUM), .dflt = dflt_, .names = names_ }
/* A char * read back as a copy of the string, or of sdflt_ when absent (NULL: left NULL). */
#define JSON_FIELD_STRP(S, member, key, sdflt_) \
	{ JSON_FIELD_AT_(S, member, key, FIELD_STRP), .sdflt = sdflt_ }
/* A field of another type, with its codec. */
#define JSON_FIELD_CODEC(S, member, key, codec_) \
	{ JSON_FIELD_AT_(S, member, key, FIELD_CUSTOM), .codec = codec_ }

#define NFIELDS(table) ((int)(sizeof(table) / sizeof((table)[0])))

/* Set fields[0..n) of rec in o, in table order (after what o holds already), skipping those of a
 * group not in groups. */
void json_set_fields(json_t *o, const struct json_field *fields, int n, const void *rec, unsigned groups);

/* A new object of fields[0..n) of rec (every group). */
json_t *json_from_fields(const struct json_field *fields, int n, const void *rec);

/* Read fields[0..n) of rec from o: a number (an integer for the integer types), null as the
 * absent figure (NaN, -1; 0 for the other integers), anything else as the field's dflt. */
void json_get_fields(const json_t *o, const struct json_field *fields, int n, void *rec);

/* Release what json_get_fields allocated in rec (FIELD_STRP copies, a codec's), leaving NULLs. */
void json_free_fields(const struct json_field *fields, int n, void *rec);

#endif

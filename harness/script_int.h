/* script_int.h — what the parts of the Lua side share beyond script.h: script.c (the Lua state,
 * options{}, the tare table, adapters), script_plan.c (experiment{} into a plan) and
 * script_list.c (tare list, a script's --help).  Nothing else includes it.
 *
 * A function here that raises a Lua error (script_raise, adapter_load, adapter_call, the checks
 * of values) runs under lua_pcall, as planning does: script_plan calls build_plan that way.
 */
#ifndef TARE_SCRIPT_INT_H
#define TARE_SCRIPT_INT_H

#include <limits.h>
#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#include "script.h"

/* What the Lua state may use while planning; its allocator's user data, so the allocator and the
 * hook reach it without touching the state (lua_getallocf). */
struct plan_limits {
	uint64_t deadline_ns;     /* CLOCK_MONOTONIC */
	double timeout_s;
	size_t bytes, cap_bytes;  /* in use by the Lua state, and its cap */
	int capped;               /* the allocator refused a request past the cap */
	int out_of_memory;        /* a call failed for want of memory (LUA_ERRMEM) */
	int timed_out;            /* the deadline passed: every Lua instruction from now on fails */
	char stopped_at[PATH_MAX + 32]; /* "x.lua:12", the line running when the time ran out */
};

struct script_ctx {
	const char *script;
	const char *subject;      /* "the script", or what else is planning, for the limits' errors */
	struct plan_limits limits;
	char *script_dir;
	int nargs;
	char **args;
	int *used;
	int describe;
	int exit_code;            /* for the error being raised: EXIT_USAGE or EXIT_CANNOT */
	int options_ref;          /* declarations, name -> declaration table */
	int values_ref;           /* resolved options, name -> value */
	int experiment_ref;
	char where[PATH_MAX + 32]; /* "script.lua:12: " of the experiment{} call */
	struct experiment *ex;
};

/* Planning errors name the experiment{} call, the closest line we know. */
#define plan_raise(L, ctx, fmt, ...) script_raise(L, "%s" fmt, (ctx)->where, ##__VA_ARGS__)

enum kind { K_NUMBER, K_INTEGER, K_STRING, K_BOOLEAN, K_LIST };

struct optdecl {
	const char *name;
	const char *desc;
	enum kind kind, elem;
	int has_min, has_max;
	double min, max;
	int choices;             /* absolute stack index of the choices table, or 0 */
	int decl;                /* absolute stack index of the declaration table */
};

struct adapter {
	const char *kind;         /* "workload" or "profiler" */
	const char *name;
	char path[PATH_MAX];
	int idx;                  /* absolute stack index of its table */
};

/* ---- the state (script.c) ---- */

/* A fresh Lua state for c, bounded by c->limits, with the tare table, options{} and experiment{}. */
lua_State *script_new_state(struct script_ctx *c);
struct script_ctx *script_get_ctx(lua_State *L);
/* Raise a Lua error with printf formatting (lua_pushfstring lacks %g and widths). */
int script_raise(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* lua_pcall with the message handler, and luaL_loadfile, both noting a memory error; they raise
 * nothing: the status, with the message on the stack on failure. */
int script_docall(lua_State *L, int nargs, int nres);
int script_loadfile(lua_State *L, const char *path);
/* After a call into Lua failed: if a bound was the cause, say so in one line and return 1. */
int script_limit_error(const struct script_ctx *c);
/* Load and run c->script: 0, or EXIT_USAGE after one line. */
int script_run(lua_State *L, struct script_ctx *c);
/* The directory of path ("." for none), malloc'd. */
char *script_dir_of(const char *path);

/* ---- values and their declarations (script.c) ---- */

/* Format the value at idx the way labels, argv and results show it. */
void script_fmt_value(lua_State *L, int idx, char *buf, size_t len);
/* Read a declaration { "description", default, type=, min=, max=, choices= } at idx; owner names
 * it in errors.  Pair with script_decl_done, which drops what it left on the stack. */
void script_decl_parse(lua_State *L, const char *owner, const char *name, int idx, struct optdecl *d);
void script_decl_done(lua_State *L, struct optdecl *d);
/* Check the value at idx against the declaration: a scalar, or a list of scalars. */
void script_check_value(lua_State *L, const char *owner, const struct optdecl *d, int idx);
/* Parse NAME=VALUE's value for d, validate it, push it. */
void script_push_parsed(lua_State *L, const char *owner, const struct optdecl *d, const char *s);

/* A command line's yes/no word: 1 (true, yes, on, 1), 0 (false, no, off, 0), -1 otherwise. */
int script_bool_word(const char *s);
/* Sorted keys of the table at idx, as a new Lua array on the stack: option order is stable. */
void script_push_sorted_keys(lua_State *L, int idx);
/* The index of the last command-line argument KEY=..., with its value; -1 when none. */
int script_find_arg(struct script_ctx *c, const char *key, const char **value);

/* ---- adapters (script.c) ---- */

/* The file of adapter NAME of KIND ("workload", "profiler"): a path (relative to the script's
 * directory) or a name in KINDs/; c may be NULL. */
void adapter_path(struct script_ctx *c, const char *kind, const char *name, char *out, size_t len);
/* Load (once) and push the adapter table; raises a planning error when it is missing or bad. */
void adapter_load(lua_State *L, struct script_ctx *c, const char *kind, const char *name, struct adapter *a);
/* adapter[field] when it is a string, else dflt. */
const char *adapter_string(lua_State *L, const struct adapter *a, const char *field, const char *dflt);
/* Push adapter[field] called with the nargs values on the stack (a plain value is pushed as is);
 * 0, with nothing pushed, when the field is absent or returns nil. */
int adapter_call(lua_State *L, const struct adapter *a, const char *field, int nargs);
/* Is the adapter usable here?  1, or 0 with the reason in why; pushes nothing. */
int adapter_available(lua_State *L, const struct adapter *a, char *why, size_t len);

#endif

/* script.c — run an experiment script and its adapters under Lua 5.4, produce a plan.
 *
 * Every call into Lua is protected (lua_pcall with a message handler): a script error is one
 * line "file:line: message" and exit code 2, never a crash.  Planning itself runs as a C function
 * under lua_pcall, so a validation error anywhere unwinds through the same single path.
 *
 * Planning is bounded in time and memory (plan_limits): a script or adapter that loops, or
 * allocates without end, is stopped with one line and exit code 2 instead of hanging tare.
 */
#include "script.h"

#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "budget.h"
#include "counters.h"
#include "perf_event.h"
#include "util.h"

/* The bounds on planning.  Generous: real scripts and adapters plan in milliseconds and a few
 * MiB, so these only stop runaways (a loop that never ends, a table that grows for ever: 512 MiB
 * of small strings take ~5 s here), never a script that is merely large; hence no option to
 * change them.  TARE_PLAN_TIMEOUT_S and TARE_PLAN_MEMORY_MIB, read in new_state, are for the
 * tests only, which should not wait 10 s or fill 512 MiB of a shared machine to see them work. */
#define PLAN_TIMEOUT_S 10.0
#define PLAN_MEMORY_MIB 512
/* VM instructions between two looks at the clock: a few microseconds of Lua, so the looks cost
 * nothing measurable and the deadline is overrun by as little. */
#define PLAN_HOOK_INSTRUCTIONS 1000

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

const char *const script_core_keys[] = {
	"name", "blocks", "warmup", "duration", "units", "seed", "timeout", "pin", "confidence", "budget", "max_blocks",
	"counters", "design", "window", "guard", NULL,
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

static struct script_ctx *get_ctx(lua_State *L)
{
	struct script_ctx *c;
	lua_getfield(L, LUA_REGISTRYINDEX, "tare.ctx");
	c = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return c;
}

/* Raise a Lua error with printf formatting (lua_pushfstring lacks %g and widths). */
static int lraise(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int lraise(lua_State *L, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lua_pushstring(L, buf);
	return lua_error(L);
}

/* Planning errors name the experiment{} call, the closest line we know. */
#define plan_raise(L, ctx, fmt, ...) lraise(L, "%s" fmt, (ctx)->where, ##__VA_ARGS__)

/* Message handler: keep the message, add a traceback only with -v. */
static int msghandler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	if (tare_verbose)
		luaL_traceback(L, L, msg, 1);
	else
		lua_pushstring(L, msg);
	return 1;
}

static struct plan_limits *get_limits(lua_State *L)
{
	void *ud;
	lua_getallocf(L, &ud);
	return ud;
}

static void plan_hook(lua_State *L, lua_Debug *ar);

/* A call failed for want of memory: planning is over, as when the time runs out (plan_hook). */
static void over_memory(lua_State *L)
{
	get_limits(L)->out_of_memory = 1;
	lua_sethook(L, plan_hook, LUA_MASKCOUNT, 1);
}

/* Every call into Lua goes through here (and every load through loadfile), so a memory error is
 * noticed even when a caller turns it into a message of its own. */
static int docall(lua_State *L, int nargs, int nres)
{
	int base = lua_gettop(L) - nargs;
	int status;
	lua_pushcfunction(L, msghandler);
	lua_insert(L, base);
	status = lua_pcall(L, nargs, nres, base);
	lua_remove(L, base);
	if (status == LUA_ERRMEM)
		over_memory(L);
	return status;
}

static int loadfile(lua_State *L, const char *path)
{
	int status = luaL_loadfile(L, path);
	if (status == LUA_ERRMEM)
		over_memory(L);
	return status;
}

/* ---- the bounds on planning ----------------------------------------------------------------- */

/* The Lua state's allocator: lua_Alloc's contract (realloc, free when nsize is 0), counting the
 * bytes in use and refusing to grow past the cap.  Lua answers a refusal with an emergency
 * collection and one more try, then a memory error (LUA_ERRMEM), which docall notes. */
static void *plan_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct plan_limits *lim = ud;
	void *p;
	if (!ptr)
		osize = 0;    /* then osize says what kind of object is being made, not a size */
	if (nsize == 0) {
		free(ptr);
		lim->bytes -= osize;
		return NULL;
	}
	if (nsize > osize && nsize - osize > lim->cap_bytes - lim->bytes) {
		lim->capped = 1;
		return NULL;
	}
	p = realloc(ptr, nsize);
	if (p)
		lim->bytes = lim->bytes - osize + nsize;
	return p;
}

/* Count hook: past the deadline, fail, and fail again at every instruction after that (after a
 * memory error too), so a script that catches the error with pcall cannot carry on.  It counts
 * Lua instructions only: a long C call (a huge string.rep, os.execute) is not interrupted, only
 * noticed when it returns. */
static void plan_hook(lua_State *L, lua_Debug *ar)
{
	struct plan_limits *lim = get_limits(L);
	if (!lim->timed_out && !lim->out_of_memory) {
		if (now_ns() < lim->deadline_ns)
			return;
		lim->timed_out = 1;
		if (lua_getinfo(L, "Sl", ar))
			snprintf(lim->stopped_at, sizeof(lim->stopped_at), "%s:%d", ar->short_src, ar->currentline);
		lua_sethook(L, plan_hook, LUA_MASKCOUNT, 1);
	}
	if (lim->timed_out)
		luaL_error(L, "did not finish planning in %g s", lim->timeout_s);
	luaL_error(L, "out of memory while planning");
}

/* After a call into Lua failed: if a bound was the cause, say so in one line and return 1. */
static int limit_error(const struct script_ctx *c)
{
	const struct plan_limits *lim = &c->limits;
	if (lim->timed_out) {
		tare_err("%s: %s did not finish planning in %g s (stopped at %s); does it loop for ever?", c->script,
			 c->subject, lim->timeout_s, lim->stopped_at[0] ? lim->stopped_at : "?");
		return 1;
	}
	if (lim->out_of_memory) {
		if (lim->capped)
			tare_err("%s: %s needed more than %zu MiB of memory while planning; does it allocate without end?",
				 c->script, c->subject, lim->cap_bytes >> 20);
		else
			tare_err("%s: %s ran out of memory while planning", c->script, c->subject);
		return 1;
	}
	return 0;
}

/* ---- values ------------------------------------------------------------------------------ */

enum kind { K_NUMBER, K_INTEGER, K_STRING, K_BOOLEAN, K_LIST };

static const char *kind_name(enum kind k)
{
	switch (k) {
	case K_NUMBER: return "a number";
	case K_INTEGER: return "an integer";
	case K_STRING: return "a string";
	case K_BOOLEAN: return "true or false";
	case K_LIST: return "a list";
	}
	return "?";
}

struct optdecl {
	const char *name;
	const char *desc;
	enum kind kind, elem;
	int has_min, has_max;
	double min, max;
	int choices;             /* absolute stack index of the choices table, or 0 */
	int decl;                /* absolute stack index of the declaration table */
};

static int is_array(lua_State *L, int idx)
{
	return lua_type(L, idx) == LUA_TTABLE && luaL_len(L, idx) > 0;
}

/* Format the value at idx the way labels, argv and results show it. */
static void fmt_value(lua_State *L, int idx, char *buf, size_t len)
{
	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx))
			snprintf(buf, len, "%lld", (long long)lua_tointeger(L, idx));
		else {
			double x = lua_tonumber(L, idx);
			if (x == floor(x) && fabs(x) < 1e15)
				snprintf(buf, len, "%.0f", x);
			else
				snprintf(buf, len, "%.15g", x);
		}
		break;
	case LUA_TBOOLEAN:
		snprintf(buf, len, "%s", lua_toboolean(L, idx) ? "true" : "false");
		break;
	case LUA_TSTRING:
		snprintf(buf, len, "%s", lua_tostring(L, idx));
		break;
	case LUA_TTABLE: {
		size_t n = 0;
		lua_Integer count = luaL_len(L, idx);
		buf[0] = '\0';
		for (lua_Integer i = 1; i <= count && n < len; i++) {
			char el[256];
			lua_geti(L, idx, i);
			fmt_value(L, -1, el, sizeof(el));
			lua_pop(L, 1);
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i > 1 ? "," : "", el);
		}
		break;
	}
	default:
		snprintf(buf, len, "%s", luaL_typename(L, idx));
	}
}

static enum kind kind_of(lua_State *L, int idx)
{
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER: return K_NUMBER;
	case LUA_TBOOLEAN: return K_BOOLEAN;
	case LUA_TTABLE: return K_LIST;
	default: return K_STRING;
	}
}

/* Read a declaration { "description", default, type=, min=, max=, choices= } at idx. */
static void decl_parse(lua_State *L, const char *owner, const char *name, int idx, struct optdecl *d)
{
	idx = lua_absindex(L, idx);
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->decl = idx;
	if (lua_type(L, idx) != LUA_TTABLE)
		lraise(L, "%s: option %s: declare it as { \"description\", default }", owner, name);
	lua_geti(L, idx, 1);
	if (lua_type(L, -1) != LUA_TSTRING)
		lraise(L, "%s: option %s: the first item must be its description", owner, name);
	d->desc = lua_tostring(L, -1);
	lua_pop(L, 1);
	lua_geti(L, idx, 2);
	if (lua_isnil(L, -1))
		lraise(L, "%s: option %s: the second item must be its default value", owner, name);
	d->kind = kind_of(L, -1);
	d->elem = K_STRING;
	if (d->kind == K_LIST) {
		lua_geti(L, -1, 1);
		d->elem = lua_isnil(L, -1) ? K_STRING : kind_of(L, -1);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	lua_getfield(L, idx, "type");
	if (lua_type(L, -1) == LUA_TSTRING) {
		const char *t = lua_tostring(L, -1);
		enum kind *target = d->kind == K_LIST ? &d->elem : &d->kind;
		if (!strcmp(t, "integer"))
			*target = K_INTEGER;
		else if (!strcmp(t, "number"))
			*target = K_NUMBER;
		else if (!strcmp(t, "string"))
			*target = K_STRING;
		else
			lraise(L, "%s: option %s: unknown type '%s' (integer, number, string)", owner, name, t);
	}
	lua_pop(L, 1);
	lua_getfield(L, idx, "min");
	if (lua_isnumber(L, -1))
		d->has_min = 1, d->min = lua_tonumber(L, -1);
	lua_pop(L, 1);
	lua_getfield(L, idx, "max");
	if (lua_isnumber(L, -1))
		d->has_max = 1, d->max = lua_tonumber(L, -1);
	lua_pop(L, 1);
	lua_getfield(L, idx, "choices");
	if (lua_type(L, -1) == LUA_TTABLE)
		d->choices = lua_gettop(L);   /* stays on the stack while d is used */
	else
		lua_pop(L, 1);
}

static void decl_done(lua_State *L, struct optdecl *d)
{
	if (d->choices)
		lua_remove(L, d->choices);
}

/* Check one scalar at idx against d (kind is the scalar kind expected). */
static void check_scalar(lua_State *L, const char *owner, const struct optdecl *d, enum kind k, int idx)
{
	char shown[256];
	fmt_value(L, idx, shown, sizeof(shown));
	switch (k) {
	case K_INTEGER:
		if (!lua_isinteger(L, idx)) {
			if (lua_type(L, idx) == LUA_TNUMBER) {
				double x = lua_tonumber(L, idx);
				if (x == floor(x) && fabs(x) < 9e15)
					break;
			}
			lraise(L, "%s: option %s: '%s' is not an integer", owner, d->name, shown);
		}
		break;
	case K_NUMBER:
		if (lua_type(L, idx) != LUA_TNUMBER)
			lraise(L, "%s: option %s: '%s' is not a number", owner, d->name, shown);
		break;
	case K_BOOLEAN:
		if (lua_type(L, idx) != LUA_TBOOLEAN)
			lraise(L, "%s: option %s: '%s' is not true or false", owner, d->name, shown);
		break;
	case K_STRING:
		if (lua_type(L, idx) != LUA_TSTRING && lua_type(L, idx) != LUA_TNUMBER)
			lraise(L, "%s: option %s: expected a string, got %s", owner, d->name, luaL_typename(L, idx));
		break;
	case K_LIST:
		break;
	}
	if (lua_type(L, idx) == LUA_TNUMBER) {
		double x = lua_tonumber(L, idx);
		if (d->has_min && x < d->min)
			lraise(L, "%s: option %s: %s is below the minimum %g", owner, d->name, shown, d->min);
		if (d->has_max && x > d->max)
			lraise(L, "%s: option %s: %s is above the maximum %g", owner, d->name, shown, d->max);
	}
	if (d->choices) {
		lua_Integer n = luaL_len(L, d->choices);
		char list[512] = "";
		size_t off = 0;
		for (lua_Integer i = 1; i <= n; i++) {
			char c[128];
			lua_geti(L, d->choices, i);
			fmt_value(L, -1, c, sizeof(c));
			lua_pop(L, 1);
			if (!strcmp(c, shown))
				return;
			off += (size_t)snprintf(list + off, off < sizeof(list) ? sizeof(list) - off : 0, "%s%s", i > 1 ? ", " : "", c);
		}
		lraise(L, "%s: option %s: '%s' is not one of: %s", owner, d->name, shown, list);
	}
}

/* Check the value at idx against the declaration: a scalar, or a list of scalars. */
static void check_value(lua_State *L, const char *owner, const struct optdecl *d, int idx)
{
	idx = lua_absindex(L, idx);
	if (d->kind != K_LIST) {
		check_scalar(L, owner, d, d->kind, idx);
		return;
	}
	if (lua_type(L, idx) != LUA_TTABLE)
		lraise(L, "%s: option %s: expected a list such as {1, 2}", owner, d->name);
	for (lua_Integer i = 1, n = luaL_len(L, idx); i <= n; i++) {
		lua_geti(L, idx, i);
		check_scalar(L, owner, d, d->elem, lua_gettop(L));
		lua_pop(L, 1);
	}
}

/* Parse a command-line string for one scalar of kind k and push it. */
static void push_parsed_scalar(lua_State *L, const char *owner, const struct optdecl *d, enum kind k, const char *s)
{
	char *end;
	switch (k) {
	case K_INTEGER:
	case K_NUMBER: {
		long long i;
		double x;
		errno = 0;
		i = strtoll(s, &end, 10);
		if (*s && !*end && !errno) {
			lua_pushinteger(L, i);
			return;
		}
		x = strtod(s, &end);
		if (!*s || *end || !isfinite(x))
			lraise(L, "%s: option %s: '%s' is not %s", owner, d->name, s, kind_name(k));
		lua_pushnumber(L, x);
		return;
	}
	case K_BOOLEAN:
		if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "1"))
			lua_pushboolean(L, 1);
		else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "0"))
			lua_pushboolean(L, 0);
		else
			lraise(L, "%s: option %s: '%s' is not true or false", owner, d->name, s);
		return;
	default:
		lua_pushstring(L, s);
	}
}

/* Parse NAME=VALUE's value for d, validate it, push it. */
static void push_parsed(lua_State *L, const char *owner, const struct optdecl *d, const char *s)
{
	if (d->kind != K_LIST) {
		push_parsed_scalar(L, owner, d, d->kind, s);
	} else {
		int i = 0;
		lua_newtable(L);
		/* Items go through Lua strings, not a malloc'd copy: a bad item raises a Lua error. */
		for (const char *p = s; *p;) {
			size_t n = strcspn(p, ",");
			if (n) {
				lua_pushlstring(L, p, n);
				push_parsed_scalar(L, owner, d, d->elem, lua_tostring(L, -1));
				lua_remove(L, -2);
				lua_seti(L, -2, ++i);
			}
			p += n + (p[n] == ',');
		}
	}
	check_value(L, owner, d, -1);
}

/* Sorted keys of the table at idx, as a new Lua array on the stack: option order is stable. */
static void push_sorted_keys(lua_State *L, int idx)
{
	int n = 0;
	idx = lua_absindex(L, idx);
	lua_getglobal(L, "table");
	lua_getfield(L, -1, "sort");
	lua_remove(L, -2);
	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING) {
			lua_pushvalue(L, -1);
			lua_seti(L, -3, ++n);
		}
	}
	lua_pushvalue(L, -1);
	lua_insert(L, -3);       /* keys, sort, keys */
	lua_call(L, 1, 0);
}

/* ---- the options{} and experiment{} functions a script calls ------------------------------ */

static int find_arg(struct script_ctx *c, const char *key, const char **value)
{
	size_t klen = strlen(key);
	int found = -1;
	for (int i = 0; i < c->nargs; i++) {
		if (!strncmp(c->args[i], key, klen) && c->args[i][klen] == '=') {
			found = i;      /* the last one wins, as with most CLIs */
			*value = c->args[i] + klen + 1;
		}
	}
	return found;
}

static int l_options(lua_State *L)
{
	struct script_ctx *c = get_ctx(L);
	int decls = 1, values, keys;
	lua_Integer nkeys;
	luaL_checktype(L, 1, LUA_TTABLE);
	if (c->options_ref != LUA_NOREF)
		return luaL_error(L, "options{} is called twice; declare every option in one table");
	lua_settop(L, 1);
	lua_newtable(L);
	values = lua_gettop(L);
	push_sorted_keys(L, decls);
	keys = lua_gettop(L);
	nkeys = luaL_len(L, keys);
	for (lua_Integer i = 1; i <= nkeys; i++) {
		struct optdecl d;
		const char *name, *arg;
		int ai;
		lua_geti(L, keys, i);
		name = lua_tostring(L, -1);
		lua_getfield(L, decls, name);
		{
			char owner[PATH_MAX + 16];
			snprintf(owner, sizeof(owner), "%s", c->script);
			decl_parse(L, owner, name, -1, &d);
			lua_geti(L, d.decl, 2);
			check_value(L, owner, &d, -1);   /* a bad default is the script's bug */
			lua_pop(L, 1);
			ai = find_arg(c, name, &arg);
			if (ai >= 0) {
				char who[64];
				snprintf(who, sizeof(who), "command line");
				for (int j = 0; j < c->nargs; j++)
					if (!strncmp(c->args[j], name, strlen(name)) && c->args[j][strlen(name)] == '=')
						c->used[j] = 1;
				push_parsed(L, who, &d, arg);
			} else {
				lua_geti(L, d.decl, 2);
			}
			lua_setfield(L, values, name);
			decl_done(L, &d);
		}
		lua_pop(L, 2);      /* declaration, name */
	}
	lua_pop(L, 1);          /* keys */
	lua_pushvalue(L, decls);
	c->options_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushvalue(L, values);
	c->values_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 1;
}

static int l_experiment(lua_State *L)
{
	struct script_ctx *c = get_ctx(L);
	luaL_checktype(L, 1, LUA_TTABLE);
	if (c->experiment_ref != LUA_NOREF)
		return luaL_error(L, "experiment{} is called twice; a script declares one experiment");
	luaL_where(L, 1);
	snprintf(c->where, sizeof(c->where), "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	lua_pushvalue(L, 1);
	c->experiment_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

/* ---- the tare table: what scripts and adapters may ask of the machine --------------------- */

static int l_which(lua_State *L)
{
	char *p = which(luaL_checkstring(L, 1));
	if (p)
		lua_pushstring(L, p);
	else
		lua_pushnil(L);
	free(p);
	return 1;
}

static int l_exists(lua_State *L)
{
	lua_pushboolean(L, path_exists(luaL_checkstring(L, 1)));
	return 1;
}

static int read_stream(lua_State *L)
{
	FILE *f = lua_touserdata(L, 1);
	luaL_Buffer b;
	size_t n;
	luaL_buffinit(L, &b);
	do {
		n = fread(luaL_prepbuffer(&b), 1, LUAL_BUFFERSIZE, f);
		luaL_addsize(&b, n);
	} while (n == LUAL_BUFFERSIZE);
	luaL_pushresult(&b);
	return 1;
}

/* tare.read(path): the file's content, or nil and why.  Read into Lua's own memory, so the cap
 * on planning holds for /dev/zero too; under lua_pcall, so the file is closed whatever happens. */
static int l_read(lua_State *L)
{
	FILE *f = fopen(luaL_checkstring(L, 1), "re");
	int status, err;
	if (!f) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(errno));
		return 2;
	}
	lua_pushcfunction(L, read_stream);
	lua_pushlightuserdata(L, f);
	status = lua_pcall(L, 1, 1, 0);
	err = ferror(f) ? errno : 0;
	fclose(f);
	if (status == LUA_ERRMEM)
		over_memory(L);
	if (status != LUA_OK)
		return lua_error(L);
	if (err) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(err));
		return 2;
	}
	return 1;
}

/* tare.unescape(s): an option value as the user gave it ({{ back to {, plan_escape undone), for
 * a check an adapter makes at plan time, such as tare.exists on a path. */
static int l_unescape(lua_State *L)
{
	luaL_gsub(L, luaL_checkstring(L, 1), "{{", "{");
	return 1;
}

static void open_tare_lib(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "which", l_which }, { "exists", l_exists }, { "read", l_read }, { "unescape", l_unescape },
		{ NULL, NULL },
	};
	luaL_newlib(L, fns);
	lua_pushstring(L, tare_version());
	lua_setfield(L, -2, "version");
	lua_pushstring(L, tare_root());
	lua_setfield(L, -2, "root");
	lua_pushstring(L, tare_build_dir());
	lua_setfield(L, -2, "build");
	lua_pushinteger(L, ncpus_online());
	lua_setfield(L, -2, "ncpus");
	lua_pushboolean(L, geteuid() == 0);
	lua_setfield(L, -2, "is_root");
	lua_pushinteger(L, perf_event_paranoid());
	lua_setfield(L, -2, "perf_event_paranoid");
	lua_setglobal(L, "tare");
	lua_register(L, "options", l_options);
	lua_register(L, "experiment", l_experiment);
}

static lua_State *new_state(struct script_ctx *c)
{
	struct plan_limits *lim = &c->limits;
	const char *test_timeout = getenv("TARE_PLAN_TIMEOUT_S"), *test_memory = getenv("TARE_PLAN_MEMORY_MIB");
	lua_State *L;
	memset(lim, 0, sizeof(*lim));
	lim->timeout_s = test_timeout && atof(test_timeout) > 0 ? atof(test_timeout) : PLAN_TIMEOUT_S;
	lim->deadline_ns = now_ns() + (uint64_t)(lim->timeout_s * 1e9);
	lim->cap_bytes = (size_t)(test_memory && atoi(test_memory) > 0 ? atoi(test_memory) : PLAN_MEMORY_MIB) << 20;
	if (!c->subject)
		c->subject = "the script";
	L = luaL_newstate();
	if (!L)
		tare_die(EXIT_FAIL, "cannot create a Lua state: out of memory");
	/* luaL_newstate's panic and warning functions, with plan_alloc from here on: both allocators
	 * are libc's realloc and free, and the count starts from what the state already holds. */
	lim->bytes = (size_t)lua_gc(L, LUA_GCCOUNT) * 1024 + (size_t)lua_gc(L, LUA_GCCOUNTB);
	lua_setallocf(L, plan_alloc, lim);
	lua_sethook(L, plan_hook, LUA_MASKCOUNT, PLAN_HOOK_INSTRUCTIONS);
	luaL_openlibs(L);
	lua_pushlightuserdata(L, c);
	lua_setfield(L, LUA_REGISTRYINDEX, "tare.ctx");
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, "tare.adapters");
	open_tare_lib(L);
	c->options_ref = c->values_ref = c->experiment_ref = LUA_NOREF;
	return L;
}

/* ---- adapters ------------------------------------------------------------------------------ */

struct adapter {
	const char *kind;         /* "workload" or "profiler" */
	const char *name;
	char path[PATH_MAX];
	int idx;                  /* absolute stack index of its table */
};

static void adapter_path(struct script_ctx *c, const char *kind, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);
	if (strchr(name, '/') || (n > 4 && !strcmp(name + n - 4, ".lua"))) {
		if (name[0] == '/' || !c || !c->script_dir)
			snprintf(out, len, "%s", name);
		else
			snprintf(out, len, "%s/%s", c->script_dir, name);
	} else {
		snprintf(out, len, "%s/%ss/%s.lua", tare_root(), kind, name);
	}
}

/* List the adapter names of a kind, for "unknown profiler 'x' (available: ...)". */
static void adapter_names(const char *kind, char *out, size_t len)
{
	char dir[PATH_MAX];
	struct dirent **ents;
	int n;
	size_t off = 0;
	snprintf(dir, sizeof(dir), "%s/%ss", tare_root(), kind);
	out[0] = '\0';
	n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);
		if (l > 4 && !strcmp(ents[i]->d_name + l - 4, ".lua") && off < len)
			off += (size_t)snprintf(out + off, len - off, "%s%.*s", off ? ", " : "", (int)(l - 4), ents[i]->d_name);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

/* Load (once) and push the adapter table; raises a planning error when it is missing or bad. */
static void adapter_load(lua_State *L, struct script_ctx *c, const char *kind, const char *name, struct adapter *a)
{
	char key[PATH_MAX + 16];
	a->kind = kind;
	a->name = name;
	adapter_path(c, kind, name, a->path, sizeof(a->path));
	snprintf(key, sizeof(key), "%s:%s", kind, a->path);
	lua_getfield(L, LUA_REGISTRYINDEX, "tare.adapters");
	lua_getfield(L, -1, key);
	if (lua_istable(L, -1)) {
		lua_remove(L, -2);
		a->idx = lua_gettop(L);
		return;
	}
	lua_pop(L, 1);
	if (!path_exists(a->path)) {
		char names[1024];
		adapter_names(kind, names, sizeof(names));
		lraise(L, "%sunknown %s '%s' (available: %s)", c ? c->where : "", kind, name, names);
	}
	if (loadfile(L, a->path) != LUA_OK || docall(L, 0, 1) != LUA_OK)
		lraise(L, "%s", lua_tostring(L, -1));
	if (!lua_istable(L, -1))
		lraise(L, "%s: an adapter must return a table (got %s)", a->path, luaL_typename(L, -1));
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, key);
	lua_remove(L, -2);
	a->idx = lua_gettop(L);
}

static const char *adapter_string(lua_State *L, const struct adapter *a, const char *field, const char *dflt)
{
	const char *s;
	lua_getfield(L, a->idx, field);
	s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : dflt;
	lua_pop(L, 1);    /* the string stays alive in the adapter table */
	return s;
}

/* Push adapter[field] called with the nargs values on the stack (a plain value is pushed as is);
 * nothing is pushed, and 0 returned, when the field is absent or returns nil.  Errors name the
 * adapter. */
static int adapter_call(lua_State *L, const struct adapter *a, const char *field, int nargs)
{
	lua_getfield(L, a->idx, field);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1 + nargs);
		return 0;
	}
	if (!lua_isfunction(L, -1)) {
		lua_insert(L, -1 - nargs);
		lua_pop(L, nargs);
		return 1;
	}
	lua_insert(L, -1 - nargs);
	if (docall(L, nargs, 1) != LUA_OK) {
		/* The message may quote an escaped option value: show it as the user gave it. */
		const char *msg = luaL_gsub(L, lua_tostring(L, -1), "{{", "{");
		lraise(L, "%s %s: %s(): %s", a->kind, a->name, field, msg);
	}
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);   /* returning nothing means "not in this configuration" */
		return 0;
	}
	return 1;
}

/* Is the adapter usable here?  Pushes nothing; returns 1 or 0 with the reason in buf. */
static int adapter_available(lua_State *L, const struct adapter *a, char *why, size_t len)
{
	int ok = 1;
	lua_getfield(L, a->idx, "available");
	if (!lua_isfunction(L, -1)) {
		lua_pop(L, 1);
		return 1;
	}
	if (docall(L, 0, 2) != LUA_OK) {
		snprintf(why, len, "available() failed: %s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return 0;
	}
	ok = lua_toboolean(L, -2);
	snprintf(why, len, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "not available here");
	lua_pop(L, 2);
	return ok;
}

static char **strv_from_table(lua_State *L, int idx, const struct adapter *a, const char *what)
{
	lua_Integer n = 0;
	char **v;
	idx = lua_absindex(L, idx);
	if (!lua_istable(L, idx) || (n = luaL_len(L, idx)) == 0)
		lraise(L, "%s %s: %s must be a non-empty list of strings", a->kind, a->name, what);
	/* Check every item before allocating: a Lua error must not leave memory behind. */
	for (lua_Integer i = 1; i <= n; i++) {
		lua_geti(L, idx, i);
		if (!lua_isstring(L, -1))
			lraise(L, "%s %s: %s item %lld is %s, not a string", a->kind, a->name, what, (long long)i, luaL_typename(L, -1));
		lua_pop(L, 1);
	}
	v = xcalloc((size_t)n + 1, sizeof(char *));
	for (lua_Integer i = 1; i <= n; i++) {
		char buf[4096];
		lua_geti(L, idx, i);
		fmt_value(L, -1, buf, sizeof(buf));
		v[i - 1] = xstrdup(buf);
		lua_pop(L, 1);
	}
	return v;
}

static char **env_from_table(lua_State *L, int idx, const struct adapter *a)
{
	struct ptrvec pv = { 0 };
	idx = lua_absindex(L, idx);
	if (!lua_istable(L, idx))
		lraise(L, "%s %s: env must be a table of NAME = value", a->kind, a->name);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			lraise(L, "%s %s: env keys must be variable names", a->kind, a->name);
	}
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		char val[4096];
		fmt_value(L, -1, val, sizeof(val));
		ptrvec_push(&pv, xasprintf("%s=%s", lua_tostring(L, -2), val));
		lua_pop(L, 1);
	}
	ptrvec_push(&pv, NULL);
	return (char **)pv.v;
}

/* ---- expanding specs into configurations ---------------------------------------------------- */

/* A list option sweeps when its items are lists themselves ({{"cpu"}, {"cpu", "lock"}}) or
 * comma-separated strings ({"cpu", "cpu,lock"}); a flat list is one value. */
static int list_of_lists(lua_State *L, int v)
{
	int yes = 0;
	for (lua_Integer j = 1, n = luaL_len(L, v); j <= n && !yes; j++) {
		lua_geti(L, v, j);
		yes = lua_istable(L, -1) || (lua_type(L, -1) == LUA_TSTRING && strchr(lua_tostring(L, -1), ','));
		lua_pop(L, 1);
	}
	return yes;
}

/* Given spec { "name", opt = value-or-sweep, ... } and its adapter, push an array of
 * { opts = {...all options...}, given = {...keys the spec set...} }, one per combination. */
static void expand_spec(lua_State *L, struct script_ctx *c, const struct adapter *a, int spec)
{
	int decls, keys, sweeps, out;
	lua_Integer nkeys, combos = 1;
	char owner[sizeof(c->where) + 320];
	snprintf(owner, sizeof(owner), "%s%s %.256s", c->where, a->kind, a->name);
	spec = lua_absindex(L, spec);
	lua_getfield(L, a->idx, "options");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_newtable(L);
	}
	decls = lua_gettop(L);
	/* Options the adapter does not declare are typos; say which ones it has. */
	if (lua_istable(L, spec)) {
		lua_pushnil(L);
		while (lua_next(L, spec)) {
			lua_pop(L, 1);
			if (lua_type(L, -1) == LUA_TNUMBER && lua_tointeger(L, -1) == 1)
				continue;
			if (lua_type(L, -1) == LUA_TSTRING && !strcmp(lua_tostring(L, -1), "label"))
				continue;   /* names the configuration; not the adapter's */
			if (lua_type(L, -1) != LUA_TSTRING)
				lraise(L, "%s: options are given as name = value", owner);
			lua_getfield(L, decls, lua_tostring(L, -1));
			if (lua_isnil(L, -1)) {
				char names[1024] = "";
				size_t off = 0;
				push_sorted_keys(L, decls);
				for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n && off < sizeof(names); i++) {
					lua_geti(L, -1, i);
					off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", i > 1 ? ", " : "", lua_tostring(L, -1));
					lua_pop(L, 1);
				}
				lraise(L, "%s has no option '%s' (it has: %s)", owner, lua_tostring(L, -3), off ? names : "none");
			}
			lua_pop(L, 1);
		}
	}
	push_sorted_keys(L, decls);
	keys = lua_gettop(L);
	nkeys = luaL_len(L, keys);
	/* sweeps[i] = the list of values option i takes. */
	lua_newtable(L);
	sweeps = lua_gettop(L);
	for (lua_Integer i = 1; i <= nkeys; i++) {
		struct optdecl d;
		int given, vals;
		lua_geti(L, keys, i);
		lua_getfield(L, decls, lua_tostring(L, -1));
		decl_parse(L, owner, lua_tostring(L, -2), -1, &d);
		lua_newtable(L);
		vals = lua_gettop(L);
		given = 0;
		if (lua_istable(L, spec)) {
			lua_getfield(L, spec, d.name);
			given = !lua_isnil(L, -1);
			if (!given)
				lua_pop(L, 1);
		}
		if (!given) {
			lua_geti(L, d.decl, 2);
			lua_seti(L, vals, 1);
		} else {
			int v = lua_gettop(L);
			int sweep = is_array(L, v) && (d.kind != K_LIST || list_of_lists(L, v));
			if (sweep) {
				for (lua_Integer j = 1, n = luaL_len(L, v); j <= n; j++) {
					lua_geti(L, v, j);
					if (d.kind == K_LIST && lua_type(L, -1) == LUA_TSTRING) {
						const char *s = lua_tostring(L, -1);
						push_parsed(L, owner, &d, s);
						lua_remove(L, -2);
					}
					check_value(L, owner, &d, -1);
					lua_seti(L, vals, j);
				}
			} else {
				if (d.kind == K_LIST && lua_type(L, v) == LUA_TSTRING) {
					push_parsed(L, owner, &d, lua_tostring(L, v));
					lua_replace(L, v);
				}
				check_value(L, owner, &d, v);
				lua_pushvalue(L, v);
				lua_seti(L, vals, 1);
			}
			lua_settop(L, vals);
		}
		combos *= luaL_len(L, vals);
		lua_seti(L, sweeps, i);
		decl_done(L, &d);
		lua_pop(L, 2);    /* declaration, name */
	}
	if (combos > 10000)
		lraise(L, "%s expands into %lld configurations; that is not an experiment, it is a lifetime", owner, (long long)combos);
	lua_newtable(L);
	out = lua_gettop(L);
	for (lua_Integer k = 0; k < combos; k++) {
		lua_Integer rest = k;
		int opts, given;
		lua_createtable(L, 0, 2);
		lua_newtable(L);
		opts = lua_gettop(L);
		lua_newtable(L);
		given = lua_gettop(L);
		/* Last option varies fastest, so {hz = {99, 999}} keeps its order. */
		for (lua_Integer i = nkeys; i >= 1; i--) {
			lua_Integer nv;
			int base = lua_gettop(L);
			lua_geti(L, sweeps, i);                 /* base+1: the values */
			nv = luaL_len(L, base + 1);
			lua_geti(L, keys, i);                   /* base+2: the key */
			lua_geti(L, base + 1, rest % nv + 1);   /* base+3: the value */
			rest /= nv;
			lua_pushvalue(L, base + 2);
			lua_pushvalue(L, base + 3);
			lua_settable(L, opts);
			if (lua_istable(L, spec)) {
				lua_pushvalue(L, base + 2);
				lua_gettable(L, spec);
				if (!lua_isnil(L, -1)) {
					lua_pushvalue(L, base + 2);
					lua_pushboolean(L, 1);
					lua_settable(L, given);
				}
			}
			lua_settop(L, base);
		}
		lua_setfield(L, opts - 1, "given");
		lua_setfield(L, opts - 1, "opts");
		if (lua_istable(L, spec)) {
			lua_getfield(L, spec, "label");
			if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
				lraise(L, "%s: label must be a string", owner);
			lua_setfield(L, -2, "label");
		}
		lua_seti(L, out, k + 1);
	}
	lua_replace(L, decls);
	lua_settop(L, decls);
}

/* Name and spec table of the i-th entry of a workload/profiler list; pushes the spec. */
static const char *spec_name(lua_State *L, struct script_ctx *c, int list, lua_Integer i, const char *kind)
{
	lua_geti(L, list, i);
	if (lua_type(L, -1) == LUA_TSTRING)
		return lua_tostring(L, -1);
	if (lua_istable(L, -1)) {
		const char *name;
		lua_geti(L, -1, 1);
		name = lua_tostring(L, -1);
		lua_pop(L, 1);      /* the name stays referenced by the spec table */
		if (name)
			return name;
	}
	plan_raise(L, c, "%s %lld: give it as { \"name\", option = value, ... }", kind, (long long)i);
	return NULL;
}

/* Push a copy of the option value at idx as the adapter's functions get it: every string, and
 * every string in a list, with its { doubled (plan_escape).  Once an adapter has joined a value
 * into its own text nothing can tell the two apart, so values are escaped before the adapter sees
 * them: then plan_expand fills in the adapter's own {pid}, {dir}, ... and passes whatever the
 * user typed literally, wherever it lands (argv, env, ready).  Labels and results keep the
 * values as given. */
static void push_escaped(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	if (lua_type(L, idx) == LUA_TSTRING) {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		luaL_Buffer b;
		char *p = luaL_buffinitsize(L, &b, 2 * len + 1);
		luaL_pushresultsize(&b, plan_escape(p, s));
	} else if (lua_type(L, idx) == LUA_TTABLE) {
		lua_newtable(L);
		lua_pushnil(L);
		while (lua_next(L, idx)) {
			push_escaped(L, -1);    /* options are scalars or flat lists: one level deep */
			lua_remove(L, -2);
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_settable(L, -4);
		}
	} else {
		lua_pushvalue(L, idx);
	}
}

/* Label: the adapter name and the options the script set, in name order. */
static char *make_label(lua_State *L, const char *name, int opts, int given, struct kvlist *all, struct kvlist *given_kv)
{
	char buf[1024];
	size_t off = (size_t)snprintf(buf, sizeof(buf), "%s", name);
	push_sorted_keys(L, opts);
	for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n; i++) {
		char val[512];
		const char *key;
		lua_geti(L, -1, i);
		key = lua_tostring(L, -1);
		lua_getfield(L, opts, key);
		fmt_value(L, -1, val, sizeof(val));
		kvlist_add(all, key, val);
		lua_getfield(L, given, key);
		if (lua_toboolean(L, -1)) {
			kvlist_add(given_kv, key, val);
			if (off < sizeof(buf))
				off += (size_t)snprintf(buf + off, sizeof(buf) - off, " %s=%s", key, val);
		}
		lua_pop(L, 3);
	}
	lua_pop(L, 1);
	return xstrdup(buf);
}

static void push_target(lua_State *L, const char *workload, const char *unit)
{
	lua_createtable(L, 0, 6);
	lua_pushstring(L, "{pid}");
	lua_setfield(L, -2, "pid");
	lua_pushstring(L, "{dir}");
	lua_setfield(L, -2, "dir");
	lua_pushstring(L, workload);
	push_escaped(L, -1);     /* the script's name for it, maybe a path: a value */
	lua_remove(L, -2);
	lua_setfield(L, -2, "workload");
	lua_pushstring(L, unit ? unit : "");
	lua_setfield(L, -2, "unit");
	lua_pushstring(L, tare_build_dir());
	lua_setfield(L, -2, "build");
	lua_pushinteger(L, ncpus_online());
	lua_setfield(L, -2, "ncpus");
	/* An adapter starts a switchable profiler paused when the run switches it (switchback). */
	lua_pushboolean(L, get_ctx(L)->ex->design == DESIGN_SWITCHBACK);
	lua_setfield(L, -2, "switchback");
}

static void require_available(lua_State *L, struct script_ctx *c, const struct adapter *a)
{
	char why[1024];
	if (!adapter_available(L, a, why, sizeof(why))) {
		c->exit_code = EXIT_CANNOT;
		lraise(L, "%s %s cannot run here: %s", a->kind, a->name, why);
	}
}

static double field_number(lua_State *L, int t, const char *key, double dflt)
{
	double x = dflt;
	lua_getfield(L, t, key);
	if (lua_isnumber(L, -1))
		x = lua_tonumber(L, -1);
	lua_pop(L, 1);
	return x;
}

static void parse_ready(lua_State *L, const struct adapter *a, int opts, struct ready *r);

/* Planning may unwind at any Lua error: everything it allocates hangs off the experiment at
 * once, so experiment_free releases it whatever happened. */
static struct workload *new_workload(struct experiment *ex)
{
	ex->workloads = xrealloc(ex->workloads, (size_t)(ex->nworkloads + 1) * sizeof(*ex->workloads));
	memset(&ex->workloads[ex->nworkloads], 0, sizeof(*ex->workloads));
	return &ex->workloads[ex->nworkloads++];
}

static struct config *new_config(struct experiment *ex)
{
	ex->configs = xrealloc(ex->configs, (size_t)(ex->nconfigs + 1) * sizeof(*ex->configs));
	memset(&ex->configs[ex->nconfigs], 0, sizeof(*ex->configs));
	ex->configs[ex->nconfigs].id = ex->nconfigs;
	return &ex->configs[ex->nconfigs++];
}

static void plan_workloads(lua_State *L, struct script_ctx *c, int list)
{
	struct experiment *ex = c->ex;
	for (lua_Integer i = 1, n = luaL_len(L, list); i <= n; i++) {
		struct adapter a;
		const char *name = spec_name(L, c, list, i, "workload");
		int spec = lua_gettop(L), combos;
		adapter_load(L, c, "workload", name, &a);
		require_available(L, c, &a);
		expand_spec(L, c, &a, spec);
		combos = lua_gettop(L);
		for (lua_Integer k = 1, nk = luaL_len(L, combos); k <= nk; k++) {
			struct workload *w = new_workload(ex);
			int opts, given, eopts;
			lua_geti(L, combos, k);
			lua_getfield(L, -1, "opts");
			opts = lua_gettop(L);
			lua_getfield(L, -2, "given");
			given = lua_gettop(L);
			w->name = xstrdup(name);
			lua_getfield(L, -3, "label");
			w->label = make_label(L, lua_isstring(L, -1) ? lua_tostring(L, -1) : name, opts, given, &w->opts, &w->given_opts);
			lua_pop(L, 1);
			push_escaped(L, opts);
			eopts = lua_gettop(L);
			w->unit = xstrdup(adapter_string(L, &a, "unit", ""));
			lua_pushvalue(L, eopts);
			push_target(L, name, w->unit);
			if (!adapter_call(L, &a, "command", 2))
				lraise(L, "%s: a workload adapter needs command = function(o, t) returning argv", a.path);
			w->argv = strv_from_table(L, -1, &a, "command()");
			lua_pop(L, 1);
			lua_pushvalue(L, eopts);
			if (adapter_call(L, &a, "env", 1)) {
				w->env = env_from_table(L, -1, &a);
				lua_pop(L, 1);
			}
			lua_pushvalue(L, eopts);
			w->threads = 1;
			if (adapter_call(L, &a, "threads", 1)) {
				w->threads = (int)lua_tointeger(L, -1);
				lua_pop(L, 1);
			}
			w->stop_grace_s = field_number(L, a.idx, "stop_grace", 5);
			parse_ready(L, &a, eopts, &w->ready);
			lua_pushvalue(L, eopts);
			push_target(L, name, w->unit);
			if (adapter_call(L, &a, "driver", 2)) {
				w->driver_argv = strv_from_table(L, -1, &a, "driver()");
				lua_pop(L, 1);
			}
			lua_pop(L, 4);
		}
		lua_settop(L, spec - 1);
	}
	if (ex->nworkloads == 0)
		plan_raise(L, c, "experiment: workload is empty; name one, e.g. workload = { \"cpu\" }");
}

static int signal_number(const char *s)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "INT", SIGINT }, { "TERM", SIGTERM }, { "KILL", SIGKILL }, { "HUP", SIGHUP },
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "QUIT", SIGQUIT },
	};
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(s, sigs[i].name))
			return sigs[i].sig;
	return -1;
}

/* ready = { perf_event_fds = N } | { line = "text" } | { file = "path" } | { delay = s }, timeout = s */
static void parse_ready(lua_State *L, const struct adapter *a, int opts, struct ready *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = READY_START;
	r->timeout_s = 10;
	lua_pushvalue(L, opts);
	if (!adapter_call(L, a, "ready", 1))
		return;
	if (!lua_istable(L, -1))
		lraise(L, "%s %s: ready must be a table such as { line = \"ready\" }", a->kind, a->name);
	r->timeout_s = field_number(L, -1, "timeout", 10);
	lua_getfield(L, -1, "perf_event_fds");
	if (lua_isnumber(L, -1))
		r->kind = READY_PERF_FDS, r->count = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	lua_getfield(L, -1, "line");
	if (lua_isstring(L, -1))
		r->kind = READY_LINE, r->text = xstrdup(lua_tostring(L, -1));
	lua_pop(L, 1);
	lua_getfield(L, -1, "file");
	if (lua_isstring(L, -1))
		r->kind = READY_FILE, r->text = xstrdup(lua_tostring(L, -1));
	lua_pop(L, 1);
	lua_getfield(L, -1, "delay");
	if (lua_isnumber(L, -1))
		r->kind = READY_DELAY, r->delay_s = lua_tonumber(L, -1);
	lua_pop(L, 2);
}

static void config_stop(lua_State *L, const struct adapter *a, int opts, struct config *cf)
{
	cf->stop_signal = SIGTERM;
	cf->stop_grace_s = 10;
	lua_pushvalue(L, opts);
	if (!adapter_call(L, a, "stop", 1))
		return;
	if (!lua_istable(L, -1))
		lraise(L, "profiler %s: stop must be a table such as { signal = \"INT\", grace = 10 }", a->name);
	lua_getfield(L, -1, "signal");
	if (lua_isstring(L, -1)) {
		cf->stop_signal = signal_number(lua_tostring(L, -1));
		if (cf->stop_signal < 0)
			lraise(L, "profiler %s: stop.signal '%s' is not one of INT, TERM, KILL, HUP, USR1, USR2, QUIT", a->name, lua_tostring(L, -1));
	}
	lua_pop(L, 1);
	cf->stop_grace_s = field_number(L, -1, "grace", 10);
	lua_pop(L, 1);
}

/* control = "signal" | "page" | "perf-fifo": how the profiler is switched in one process.
 * A switchback run refuses, at plan time, a profiler that cannot be switched. */
static void config_control(lua_State *L, struct script_ctx *c, const struct adapter *a, int opts, struct config *cf)
{
	cf->control = CONTROL_NONE;
	/* a string, or a function of the options (inject: "signal" for its sidecar, "page" else) */
	lua_pushvalue(L, opts);
	if (adapter_call(L, a, "control", 1)) {
		const char *s = lua_tostring(L, -1);
		int i;
		if (lua_type(L, -1) != LUA_TSTRING)
			lraise(L, "%s: control must be \"signal\", \"page\" or \"perf-fifo\" (or a function returning one)", a->path);
		for (i = 1; control_names[i] && strcmp(control_names[i], s); i++)
			;
		if (!control_names[i])
			lraise(L, "%s: control '%s' is not one of signal, page, perf-fifo", a->path, s);
		cf->control = (enum control)i;
		lua_pop(L, 1);
	}
	if (c->ex->design == DESIGN_SWITCHBACK && !cf->baseline && cf->control == CONTROL_NONE)
		plan_raise(L, c, "experiment: profiler %s cannot be switched on and off in one process (its adapter %s has no "
			   "control): measure it with design = \"process\"", cf->label, a->path);
}

static void plan_profilers(lua_State *L, struct script_ctx *c, int list)
{
	struct experiment *ex = c->ex;
	int combos_all;
	lua_newtable(L);      /* every expanded profiler: { adapter-name, opts, given } */
	combos_all = lua_gettop(L);
	for (lua_Integer i = 1, n = luaL_len(L, list), m = 0; i <= n; i++) {
		struct adapter a;
		const char *name = spec_name(L, c, list, i, "profiler");
		int spec = lua_gettop(L), combos;
		adapter_load(L, c, "profiler", name, &a);
		require_available(L, c, &a);
		expand_spec(L, c, &a, spec);
		combos = lua_gettop(L);
		for (lua_Integer k = 1, nk = luaL_len(L, combos); k <= nk; k++) {
			lua_geti(L, combos, k);
			lua_pushstring(L, name);
			lua_setfield(L, -2, "name");
			lua_seti(L, combos_all, ++m);
		}
		lua_settop(L, spec - 1);
	}
	for (int w = 0; w < ex->nworkloads; w++) {
		for (lua_Integer k = 1, nk = luaL_len(L, combos_all); k <= nk; k++) {
			struct config *cf = new_config(ex);
			struct adapter a;
			int opts, given, eopts, top = lua_gettop(L);
			char *plabel;
			lua_geti(L, combos_all, k);
			lua_getfield(L, -1, "name");
			adapter_load(L, c, "profiler", lua_tostring(L, -1), &a);
			lua_getfield(L, top + 1, "opts");
			opts = lua_gettop(L);
			lua_getfield(L, top + 1, "given");
			given = lua_gettop(L);
			cf->workload = w;
			cf->profiler = xstrdup(a.name);
			lua_getfield(L, top + 1, "label");
			plabel = make_label(L, lua_isstring(L, -1) ? lua_tostring(L, -1) : a.name, opts, given, &cf->profiler_opts, &cf->given_opts);
			lua_pop(L, 1);
			cf->label = ex->nworkloads > 1 ? xasprintf("%s / %s", ex->workloads[w].label, plabel) : xstrdup(plabel);
			free(plabel);
			cf->slug = slugify(cf->label);
			push_escaped(L, opts);
			eopts = lua_gettop(L);
			lua_getfield(L, a.idx, "baseline");
			cf->baseline = lua_toboolean(L, -1);
			lua_pop(L, 1);
			lua_pushvalue(L, eopts);
			push_target(L, ex->workloads[w].name, ex->workloads[w].unit);
			if (adapter_call(L, &a, "command", 2)) {
				cf->profiler_argv = strv_from_table(L, -1, &a, "command()");
				lua_pop(L, 1);
			}
			lua_pushvalue(L, eopts);
			push_target(L, ex->workloads[w].name, ex->workloads[w].unit);
			if (adapter_call(L, &a, "env", 2)) {
				cf->workload_env = env_from_table(L, -1, &a);
				lua_pop(L, 1);
			}
			parse_ready(L, &a, eopts, &cf->ready);
			config_stop(L, &a, eopts, cf);
			config_control(L, c, &a, eopts, cf);
			cf->truth_cpu_pct = cf->truth_latency_us = NAN;
			lua_pushvalue(L, eopts);
			if (adapter_call(L, &a, "truth", 1)) {
				if (lua_istable(L, -1)) {
					cf->truth_cpu_pct = field_number(L, -1, "cpu_pct", NAN);
					cf->truth_latency_us = field_number(L, -1, "latency_us", NAN);
				}
				lua_pop(L, 1);
			}
			for (int j = 0; j < ex->nconfigs - 1; j++)
				if (!strcmp(ex->configs[j].label, cf->label))
					plan_raise(L, c, "experiment: configuration '%s' appears twice", cf->label);
			lua_settop(L, top);
		}
	}
	lua_pop(L, 1);
	for (int w = 0; w < ex->nworkloads; w++)
		if (plan_baseline(ex, w) < 0)
			plan_raise(L, c, "experiment: no baseline for workload %s; add { \"off\" } to profilers", ex->workloads[w].label);
}

/* Core fields: the script's value, unless the command line gives one and the script did not
 * declare an option of that name (then the option already carried it). */
static const char *core_override(struct script_ctx *c, lua_State *L, const char *key)
{
	const char *v = NULL;
	int i = find_arg(c, key, &v);
	if (i < 0)
		return NULL;
	if (c->options_ref != LUA_NOREF) {
		int declared;
		lua_rawgeti(L, LUA_REGISTRYINDEX, c->options_ref);
		lua_getfield(L, -1, key);
		declared = !lua_isnil(L, -1);
		lua_pop(L, 2);
		if (declared)
			return NULL;
	}
	for (int j = 0; j < c->nargs; j++)
		if (!strncmp(c->args[j], key, strlen(key)) && c->args[j][strlen(key)] == '=')
			c->used[j] = 1;
	return v;
}

static double core_number(lua_State *L, struct script_ctx *c, int t, const char *key, double dflt, double min, double max, const char *unit)
{
	const char *s = core_override(c, L, key);
	double x = dflt;
	if (s) {
		char *end;
		x = strtod(s, &end);
		if (!*s || *end || !isfinite(x))
			lraise(L, "command line: %s=%s: expected %s", key, s, unit);
	} else {
		lua_getfield(L, t, key);
		if (!lua_isnil(L, -1)) {
			if (!lua_isnumber(L, -1))
				plan_raise(L, c, "experiment: %s must be %s (got %s)", key, unit, luaL_typename(L, -1));
			x = lua_tonumber(L, -1);
		}
		lua_pop(L, 1);
	}
	if (x < min || x > max)
		lraise(L, "%s%s=%g: must be between %g and %g (%s)", s ? "command line: " : c->where, key, x, min, max, unit);
	return x;
}

/* budget = { cpu = "2%", p99 = "5%" } in the script, or budget=cpu:2%,p99:5% on the command
 * line (which replaces the script's).  Kept as a validated string; run.c evaluates it. */
static void plan_budget(lua_State *L, struct script_ctx *c, int t)
{
	struct budget b = { 0 };
	char err[512], spec[1024] = "";
	const char *cli = core_override(c, L, "budget");
	size_t off = 0;
	if (cli) {
		if (budget_parse_list(&b, cli, err, sizeof(err)) < 0)
			lraise(L, "command line: %s", err);
		c->ex->budget = xstrdup(cli);
		return;
	}
	lua_getfield(L, t, "budget");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return;
	}
	if (!lua_istable(L, -1))
		plan_raise(L, c, "experiment: budget must be a table such as { cpu = \"2%%\", p99 = \"5%%\" }");
	push_sorted_keys(L, -1);
	for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n; i++) {
		char val[64];
		const char *key;
		lua_geti(L, -1, i);
		key = lua_tostring(L, -1);
		lua_getfield(L, -3, key);
		fmt_value(L, -1, val, sizeof(val));
		if (budget_add(&b, key, val, err, sizeof(err)) < 0)
			plan_raise(L, c, "%s", err);
		off += (size_t)snprintf(spec + off, off < sizeof(spec) ? sizeof(spec) - off : 0, "%s%s=%s", off ? "," : "", key, val);
		lua_pop(L, 2);
	}
	lua_pop(L, 2);
	c->ex->budget = xstrdup(spec);
}

/* counters = { "task-clock", "cycles:u", ... } (perf and libpfm4 names), {} for none, absent
 * for the default set; counters=a,b on the command line.  Unknown names fail here, before any
 * trial runs. */
static void plan_counters(lua_State *L, struct script_ctx *c, int t)
{
	struct experiment *ex = c->ex;
	struct counter_set *set;
	const char *cli = core_override(c, L, "counters");
	char err[512];
	if (cli) {
		char *copy = xstrdup(cli), *tok, *save = NULL;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			ex->counters = xrealloc(ex->counters, (size_t)(ex->ncounters + 1) * sizeof(char *));
			ex->counters[ex->ncounters++] = xstrdup(tok);
		}
		free(copy);
		ex->counters_off = ex->ncounters == 0 || !strcmp(cli, "none");
	} else {
		lua_getfield(L, t, "counters");
		if (lua_istable(L, -1)) {
			for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n; i++) {
				lua_geti(L, -1, i);
				if (!lua_isstring(L, -1))
					plan_raise(L, c, "experiment: counters must be a list of event names such as { \"task-clock\" }");
				ex->counters = xrealloc(ex->counters, (size_t)(ex->ncounters + 1) * sizeof(char *));
				ex->counters[ex->ncounters++] = xstrdup(lua_tostring(L, -1));
				lua_pop(L, 1);
			}
			ex->counters_off = ex->ncounters == 0;
		} else if (lua_type(L, -1) == LUA_TBOOLEAN) {
			ex->counters_off = !lua_toboolean(L, -1);
		} else if (!lua_isnil(L, -1)) {
			plan_raise(L, c, "experiment: counters must be a list of event names, or false");
		}
		lua_pop(L, 1);
	}
	if (ex->counters_off || !ex->ncounters)
		return;
	if (counters_parse(&set, (const char *const *)ex->counters, ex->ncounters, err, sizeof(err)) < 0)
		lraise(L, "%s%s", cli ? "command line: " : c->where, err);
	counters_free(set);
}

static int build_plan(lua_State *L)
{
	struct script_ctx *c = get_ctx(L);
	struct experiment *ex = c->ex;
	const char *s;
	int t, list;
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->experiment_ref);
	t = lua_gettop(L);

	s = core_override(c, L, "name");
	if (!s) {
		lua_getfield(L, t, "name");
		s = lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	if (!s) {
		const char *base = strrchr(c->script, '/');
		char *name = xstrdup(base ? base + 1 : c->script);
		char *dot = strrchr(name, '.');
		if (dot)
			*dot = '\0';
		ex->name = name;
	} else {
		ex->name = xstrdup(s);
	}
	ex->blocks = (int)core_number(L, c, t, "blocks", 10, 1, 100000, "a number of blocks");
	ex->warmup_s = core_number(L, c, t, "warmup", 1, 0, 86400, "seconds");
	ex->duration_s = core_number(L, c, t, "duration", 0, 0, 86400, "seconds");
	ex->units = (uint64_t)core_number(L, c, t, "units", 0, 0, 1e18, "a number of units of work");
	if (ex->duration_s == 0 && ex->units == 0)
		ex->duration_s = 3;
	if (ex->duration_s > 0 && ex->units > 0)
		plan_raise(L, c, "experiment: give duration or units, not both");
	ex->confidence = core_number(L, c, t, "confidence", 0.95, 0.5, 0.999, "a confidence level such as 0.95");
	ex->timeout_s = core_number(L, c, t, "timeout", ex->warmup_s + (ex->duration_s > 0 ? ex->duration_s : 60) + 30, 1, 1e6, "seconds");
	{
		const char *seed = core_override(c, L, "seed");
		if (seed) {
			char *end;
			errno = 0;
			ex->seed = strtoull(seed, &end, 0);
			if (!*seed || *end || errno)
				lraise(L, "command line: seed=%s: expected a non-negative integer", seed);
		} else {
			lua_getfield(L, t, "seed");
			ex->seed = lua_isinteger(L, -1) ? (uint64_t)lua_tointeger(L, -1) : 0;
			lua_pop(L, 1);
		}
	}
	{
		const char *pin = core_override(c, L, "pin");
		if (pin)
			ex->pin = !strcmp(pin, "true") || !strcmp(pin, "1") || !strcmp(pin, "yes") || !strcmp(pin, "on");
		else {
			lua_getfield(L, t, "pin");
			ex->pin = lua_isnil(L, -1) ? 1 : lua_toboolean(L, -1);
			lua_pop(L, 1);
		}
	}

	{
		const char *d = core_override(c, L, "design"), *where = d ? "command line: " : c->where;
		if (!d) {
			lua_getfield(L, t, "design");
			d = lua_isstring(L, -1) ? lua_tostring(L, -1) : lua_isnil(L, -1) ? "process" : "?";
			lua_pop(L, 1);   /* a string stays alive in the experiment table */
		}
		if (!strcmp(d, "process"))
			ex->design = DESIGN_PROCESS;
		else if (!strcmp(d, "switchback"))
			ex->design = DESIGN_SWITCHBACK;
		else
			lraise(L, "%sdesign=%s: expected \"process\" (a fresh process per trial) or \"switchback\" "
			       "(the profiler switched on and off in windows of one process)", where, d);
	}
	/* 0.25 s windows: the within-process noise of a CPU loop measured here is ~1.1% per pair at
	 * that length (DESIGN.md); 25 ms of guard lets a switch settle and keeps the duty >= 90%. */
	ex->window_s = core_number(L, c, t, "window", 0.25, 0.01, 3600, "seconds");
	ex->guard_s = core_number(L, c, t, "guard", 0.025, 0, 3600, "seconds");
	if (ex->design == DESIGN_SWITCHBACK) {
		if (ex->units)
			plan_raise(L, c, "experiment: a switchback run measures windows of time: give duration, not units");
		ex->pairs = (int)(ex->duration_s / (2 * ex->window_s) + 0.5);
		if (ex->pairs < 1)
			plan_raise(L, c, "experiment: duration=%g holds no pair of window=%g windows", ex->duration_s, ex->window_s);
	}
	ex->max_blocks = (int)core_number(L, c, t, "max_blocks", 0, 0, 100000, "a number of blocks");
	if (ex->max_blocks && ex->max_blocks < ex->blocks)
		plan_raise(L, c, "experiment: max_blocks=%d is below blocks=%d", ex->max_blocks, ex->blocks);
	plan_budget(L, c, t);
	plan_counters(L, c, t);

	lua_getfield(L, t, "workload");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_getfield(L, t, "workloads");
	}
	if (lua_type(L, -1) == LUA_TSTRING || (lua_istable(L, -1) && (lua_geti(L, -1, 1), lua_type(L, -1) == LUA_TSTRING ? (lua_pop(L, 1), 1) : (lua_pop(L, 1), 0)))) {
		lua_createtable(L, 1, 0);   /* a single spec: wrap it in a list */
		lua_insert(L, -2);
		lua_seti(L, -2, 1);
	}
	if (!lua_istable(L, -1))
		plan_raise(L, c, "experiment: workload is missing; e.g. workload = { \"cpu\", threads = 1 }");
	list = lua_gettop(L);
	plan_workloads(L, c, list);
	lua_settop(L, t);

	lua_getfield(L, t, "profilers");
	if (!lua_istable(L, -1) || luaL_len(L, -1) == 0)
		plan_raise(L, c, "experiment: profilers is missing; e.g. profilers = { {\"off\"}, {\"perf\", hz = 99} }");
	plan_profilers(L, c, lua_gettop(L));
	lua_settop(L, t);

	/* Keep the script's resolved options in the results. */
	if (c->values_ref != LUA_NOREF) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, c->values_ref);
		push_sorted_keys(L, -1);
		for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n; i++) {
			char val[1024];
			lua_geti(L, -1, i);
			lua_getfield(L, -3, lua_tostring(L, -1));
			fmt_value(L, -1, val, sizeof(val));
			kvlist_add(&ex->options, lua_tostring(L, -2), val);
			lua_pop(L, 2);
		}
	}
	return 0;
}

/* ---- entry points -------------------------------------------------------------------------- */

static int run_script(lua_State *L, struct script_ctx *c)
{
	if (loadfile(L, c->script) != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		/* "cannot open x.lua" from Lua is terse; say what to do. */
		if (limit_error(c))
			;
		else if (!path_exists(c->script))
			tare_err("%s: no such script (try scripts/canary.lua)", c->script);
		else
			tare_err("%s", msg);
		return EXIT_USAGE;
	}
	if (docall(L, 0, 0) != LUA_OK) {
		if (!limit_error(c))
			tare_err("%s", lua_tostring(L, -1));
		return EXIT_USAGE;
	}
	return 0;
}

static char *dir_of(const char *path)
{
	char *d = xstrdup(path), *slash = strrchr(d, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(d, ".");
	return d;
}

int script_plan(const char *script, int nargs, char **args, struct experiment *ex)
{
	struct script_ctx c = { 0 };
	lua_State *L;
	int rc;
	c.script = script;
	c.script_dir = dir_of(script);
	c.nargs = nargs;
	c.args = args;
	c.used = xcalloc((size_t)nargs + 1, sizeof(int));
	c.ex = ex;
	c.exit_code = EXIT_USAGE;
	for (int i = 0; i < nargs; i++) {
		if (!strchr(args[i], '=') || args[i][0] == '=') {
			tare_err("command line: '%s': options are given as name=value (see tare run %s --help)", args[i], script);
			rc = EXIT_USAGE;
			goto out_noL;
		}
	}
	L = new_state(&c);
	rc = run_script(L, &c);
	if (rc)
		goto out;
	if (c.experiment_ref == LUA_NOREF) {
		tare_err("%s: the script declares no experiment; call experiment { ... }", script);
		rc = EXIT_USAGE;
		goto out;
	}
	ex->script = xstrdup(script);
	lua_pushcfunction(L, build_plan);
	if (docall(L, 0, 0) != LUA_OK) {
		/* A bound overrides the exit code: an adapter's available() that never returns is
		 * the adapter's fault, not this machine's. */
		if (limit_error(&c)) {
			rc = EXIT_USAGE;
		} else {
			tare_err("%s", lua_tostring(L, -1));
			rc = c.exit_code;
		}
		experiment_free(ex);
		goto out;
	}
	for (int i = 0; i < nargs; i++) {
		if (!c.used[i]) {
			int n = (int)strcspn(args[i], "=");
			tare_err("command line: unknown option '%.*s' for %s (see tare run %s --help)", n, args[i], script, script);
			rc = EXIT_USAGE;
			experiment_free(ex);
			goto out;
		}
	}
out:
	lua_close(L);
out_noL:
	free(c.used);
	free(c.script_dir);
	return rc;
}

int script_describe(const char *script, FILE *out)
{
	struct script_ctx c = { 0 };
	lua_State *L;
	int rc;
	c.script = script;
	c.script_dir = dir_of(script);
	c.describe = 1;
	c.used = xcalloc(1, sizeof(int));
	L = new_state(&c);
	rc = run_script(L, &c);
	if (!rc) {
		fprintf(out, "usage: tare run %s [name=value ...]\n\n", script);
		if (c.options_ref != LUA_NOREF) {
			fprintf(out, "options of this script:\n");
			lua_rawgeti(L, LUA_REGISTRYINDEX, c.options_ref);
			push_sorted_keys(L, -1);
			for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n; i++) {
				char dflt[256];
				lua_geti(L, -1, i);
				lua_getfield(L, -3, lua_tostring(L, -1));
				lua_geti(L, -1, 1);
				lua_geti(L, -2, 2);
				fmt_value(L, -1, dflt, sizeof(dflt));
				fprintf(out, "  %-12s %s (default: %s)\n", lua_tostring(L, -4), lua_tostring(L, -2), dflt);
				lua_pop(L, 4);
			}
			lua_pop(L, 2);
			fprintf(out, "\n");
		}
		fprintf(out, "options of every experiment, unless the script declares them:\n"
			"  blocks=K      blocks; each runs every configuration once, in a seeded shuffled order\n"
			"  warmup=S      seconds of each trial excluded from measurement\n"
			"  duration=S    measured seconds per trial (or units=N: measured units of work)\n"
			"  seed=N        PRNG seed for the schedule (printed and stored; replays the order)\n"
			"  timeout=S     seconds before a trial is abandoned as failed\n"
			"  pin=BOOL      pin the workload to CPUs away from the harness (default true)\n"
			"  confidence=C  confidence level of the intervals (default 0.95)\n"
			"  budget=LIST   e.g. cpu:2%%,p99:5%%,memory:50MB; verdicts PASS/FAIL/INCONCLUSIVE, exit codes\n"
			"  max_blocks=K  extend an inconclusive run, block by block, up to K blocks\n"
			"  counters=LIST perf events counted on the workload (tare events lists them; none: off)\n"
			"  design=D      process (a fresh process per trial) or switchback (the profiler switched on\n"
			"                and off in windows of one process: duration is per process; docs/switchback.md)\n"
			"  window=S      switchback: seconds of one measured window (default 0.25)\n"
			"  guard=S       switchback: unmeasured seconds after each switch (default 0.025)\n"
			"  name=NAME     the run's name in results/<stamp>-<name>/\n");
	}
	lua_close(L);
	free(c.used);
	free(c.script_dir);
	return rc;
}

/* One line per adapter of a kind; EXIT_USAGE, after the limits' line, when one exceeds them. */
/* How a profiler can be measured, for tare list: switchback needs a control (docs/switchback.md). */
static const char *list_control(lua_State *L, const struct adapter *a)
{
	static char buf[64];
	int t;
	if (strcmp(a->kind, "profiler"))
		return "";
	lua_getfield(L, a->idx, "baseline");
	t = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (t)
		return "";
	lua_getfield(L, a->idx, "control");
	t = lua_type(L, -1);
	if (t == LUA_TSTRING)
		snprintf(buf, sizeof(buf), " [switchback: %s]", lua_tostring(L, -1));
	else
		snprintf(buf, sizeof(buf), "%s", t == LUA_TFUNCTION ? " [switchback]" : " [process trials only]");
	lua_pop(L, 1);
	return buf;
}

static int list_kind(lua_State *L, const char *kind, FILE *out)
{
	struct script_ctx *c = get_ctx(L);
	char dir[PATH_MAX];
	struct dirent **ents;
	int n, rc = 0;
	snprintf(dir, sizeof(dir), "%s/%ss", tare_root(), kind);
	n = scandir(dir, &ents, NULL, alphasort);
	fprintf(out, "%ss (%s):\n", kind, dir);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);
		if (!rc && l > 4 && !strcmp(ents[i]->d_name + l - 4, ".lua")) {
			struct adapter a;
			char name[256], why[1024];
			int top = lua_gettop(L), ok;
			snprintf(name, sizeof(name), "%.*s", (int)(l - 4), ents[i]->d_name);
			adapter_path(NULL, kind, name, a.path, sizeof(a.path));
			if (loadfile(L, a.path) != LUA_OK || docall(L, 0, 1) != LUA_OK || !lua_istable(L, -1)) {
				if (limit_error(c))
					rc = EXIT_USAGE;
				else
					fprintf(out, "  %-10s  cannot load: %s\n", name, lua_isstring(L, -1) ? lua_tostring(L, -1) : "does not return a table");
				lua_settop(L, top);
				free(ents[i]);
				continue;
			}
			a.kind = kind;
			a.name = name;
			a.idx = lua_gettop(L);
			ok = adapter_available(L, &a, why, sizeof(why));
			if (limit_error(c))
				rc = EXIT_USAGE;
			else if (ok)
				fprintf(out, "  %-10s  ok           %s%s\n", name, adapter_string(L, &a, "description", ""),
					list_control(L, &a));
			else
				fprintf(out, "  %-10s  cannot run   %s%s\n  %-10s               (%s)\n", name,
					adapter_string(L, &a, "description", ""), list_control(L, &a), "", why);
			lua_settop(L, top);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	else
		fprintf(out, "  (cannot read %s: %s)\n", dir, strerror(errno));
	return rc;
}

int script_list(FILE *out)
{
	struct script_ctx c = { .script = "tare list", .subject = "the adapters" };
	lua_State *L = new_state(&c);
	int rc = list_kind(L, "workload", out);
	if (!rc) {
		fprintf(out, "\n");
		rc = list_kind(L, "profiler", out);
	}
	lua_close(L);
	return rc;
}

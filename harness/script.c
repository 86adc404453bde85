/* script.c — run an experiment script and its adapters under Lua 5.4: the Lua state and the
 * bounds on it, options{} and the checks of its values, the tare table, loading and calling
 * adapters.  script_plan.c turns experiment{} into a plan; script_list.c is tare list and a
 * script's --help.
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
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf_event.h"
#include "script_int.h"
#include "util.h"

/* The bounds on planning.  Generous: real scripts and adapters plan in milliseconds and a few
 * MiB, so these only stop runaways (a loop that never ends, a table that grows for ever: 512 MiB
 * of small strings take ~5 s here), never a script that is merely large; hence no option to
 * change them.  TARE_PLAN_TIMEOUT_S and TARE_PLAN_MEMORY_MIB, read in script_new_state, are for
 * tests only, which should not wait 10 s or fill 512 MiB of a shared machine to see them work. */
#define PLAN_TIMEOUT_S 10.0
#define PLAN_MEMORY_MIB 512
/* VM instructions between two looks at the clock: a few microseconds of Lua, so the looks cost
 * nothing measurable and the deadline is overrun by as little. */
#define PLAN_HOOK_INSTRUCTIONS 1000

struct script_ctx *script_get_ctx(lua_State *L)
{
	struct script_ctx *c;
	lua_getfield(L, LUA_REGISTRYINDEX, "tare.ctx");
	c = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return c;
}

/* Raise a Lua error with printf formatting (lua_pushfstring lacks %g and widths). */
int script_raise(lua_State *L, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lua_pushstring(L, buf);
	return lua_error(L);
}

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

/* Every call into Lua goes through here (and every load through script_loadfile), so a memory
 * error is noticed even when a caller turns it into a message of its own. */
int script_docall(lua_State *L, int nargs, int nres)
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

int script_loadfile(lua_State *L, const char *path)
{
	int status = luaL_loadfile(L, path);
	if (status == LUA_ERRMEM)
		over_memory(L);
	return status;
}

/* ---- the bounds on planning ----------------------------------------------------------------- */

/* The Lua state's allocator: lua_Alloc's contract (realloc, free when nsize is 0), counting the
 * bytes in use and refusing to grow past the cap.  Lua answers a refusal with an emergency
 * collection and one more try, then a memory error (LUA_ERRMEM), which script_docall notes. */
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
int script_limit_error(const struct script_ctx *c)
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

/* Format the value at idx the way labels, argv and results show it. */
void script_fmt_value(lua_State *L, int idx, char *buf, size_t len)
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
			script_fmt_value(L, -1, el, sizeof(el));
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
void script_decl_parse(lua_State *L, const char *owner, const char *name, int idx, struct optdecl *d)
{
	idx = lua_absindex(L, idx);
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->decl = idx;
	if (lua_type(L, idx) != LUA_TTABLE)
		script_raise(L, "%s: option %s: declare it as { \"description\", default }", owner, name);
	lua_geti(L, idx, 1);
	if (lua_type(L, -1) != LUA_TSTRING)
		script_raise(L, "%s: option %s: the first item must be its description", owner, name);
	d->desc = lua_tostring(L, -1);
	lua_pop(L, 1);
	lua_geti(L, idx, 2);
	if (lua_isnil(L, -1))
		script_raise(L, "%s: option %s: the second item must be its default value", owner, name);
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
		else if (!strcmp(t, "boolean"))
			*target = K_BOOLEAN;
		else
			script_raise(L, "%s: option %s: unknown type '%s' (integer, number, string, boolean)", owner, name, t);
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

void script_decl_done(lua_State *L, struct optdecl *d)
{
	if (d->choices)
		lua_remove(L, d->choices);
}

/* Check one scalar at idx against d (kind is the scalar kind expected). */
static void check_scalar(lua_State *L, const char *owner, const struct optdecl *d, enum kind k, int idx)
{
	char shown[256];
	script_fmt_value(L, idx, shown, sizeof(shown));
	switch (k) {
	case K_INTEGER:
		if (!lua_isinteger(L, idx)) {
			if (lua_type(L, idx) == LUA_TNUMBER) {
				double x = lua_tonumber(L, idx);
				if (x == floor(x) && fabs(x) < 9e15)
					break;
			}
			script_raise(L, "%s: option %s: '%s' is not an integer", owner, d->name, shown);
		}
		break;
	case K_NUMBER:
		if (lua_type(L, idx) != LUA_TNUMBER)
			script_raise(L, "%s: option %s: '%s' is not a number", owner, d->name, shown);
		break;
	case K_BOOLEAN:
		if (lua_type(L, idx) != LUA_TBOOLEAN)
			script_raise(L, "%s: option %s: '%s' is not true or false", owner, d->name, shown);
		break;
	case K_STRING:
		if (lua_type(L, idx) != LUA_TSTRING && lua_type(L, idx) != LUA_TNUMBER)
			script_raise(L, "%s: option %s: expected a string, got %s", owner, d->name, luaL_typename(L, idx));
		break;
	case K_LIST:
		break;
	}
	if (lua_type(L, idx) == LUA_TNUMBER) {
		double x = lua_tonumber(L, idx);
		if (d->has_min && x < d->min)
			script_raise(L, "%s: option %s: %s is below the minimum %g", owner, d->name, shown, d->min);
		if (d->has_max && x > d->max)
			script_raise(L, "%s: option %s: %s is above the maximum %g", owner, d->name, shown, d->max);
	}
	if (d->choices) {
		lua_Integer n = luaL_len(L, d->choices);
		char list[512] = "";
		size_t off = 0;
		for (lua_Integer i = 1; i <= n; i++) {
			char c[128];
			lua_geti(L, d->choices, i);
			script_fmt_value(L, -1, c, sizeof(c));
			lua_pop(L, 1);
			if (!strcmp(c, shown))
				return;
			off += (size_t)snprintf(list + off, off < sizeof(list) ? sizeof(list) - off : 0, "%s%s", i > 1 ? ", " : "", c);
		}
		script_raise(L, "%s: option %s: '%s' is not one of: %s", owner, d->name, shown, list);
	}
}

/* Check the value at idx against the declaration: a scalar, or a list of scalars. */
void script_check_value(lua_State *L, const char *owner, const struct optdecl *d, int idx)
{
	idx = lua_absindex(L, idx);
	if (d->kind != K_LIST) {
		check_scalar(L, owner, d, d->kind, idx);
		return;
	}
	if (lua_type(L, idx) != LUA_TTABLE)
		script_raise(L, "%s: option %s: expected a list such as {1, 2}", owner, d->name);
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
			script_raise(L, "%s: option %s: '%s' is not %s", owner, d->name, s, kind_name(k));
		lua_pushnumber(L, x);
		return;
	}
	case K_BOOLEAN:
		if (script_bool_word(s) < 0)
			script_raise(L, "%s: option %s: '%s' is not true or false", owner, d->name, s);
		lua_pushboolean(L, script_bool_word(s));
		return;
	default:
		lua_pushstring(L, s);
	}
}

int script_bool_word(const char *s)
{
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "1"))
		return 1;
	if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "0"))
		return 0;
	return -1;
}

/* Parse NAME=VALUE's value for d, validate it, push it. */
void script_push_parsed(lua_State *L, const char *owner, const struct optdecl *d, const char *s)
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
	script_check_value(L, owner, d, -1);
}

/* Sorted keys of the table at idx, as a new Lua array on the stack: option order is stable. */
void script_push_sorted_keys(lua_State *L, int idx)
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

int script_find_arg(struct script_ctx *c, const char *key, const char **value)
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
	struct script_ctx *c = script_get_ctx(L);
	int decls = 1, values, keys;
	lua_Integer nkeys;
	luaL_checktype(L, 1, LUA_TTABLE);
	if (c->options_ref != LUA_NOREF)
		return luaL_error(L, "options{} is called twice; declare every option in one table");
	lua_settop(L, 1);
	lua_newtable(L);
	values = lua_gettop(L);
	script_push_sorted_keys(L, decls);
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
			script_decl_parse(L, owner, name, -1, &d);
			lua_geti(L, d.decl, 2);
			script_check_value(L, owner, &d, -1);   /* a bad default is the script's bug */
			lua_pop(L, 1);
			ai = script_find_arg(c, name, &arg);
			if (ai >= 0) {
				char who[64];
				snprintf(who, sizeof(who), "command line");
				for (int j = 0; j < c->nargs; j++)
					if (!strncmp(c->args[j], name, strlen(name)) && c->args[j][strlen(name)] == '=')
						c->used[j] = 1;
				script_push_parsed(L, who, &d, arg);
			} else {
				lua_geti(L, d.decl, 2);
			}
			lua_setfield(L, values, name);
			script_decl_done(L, &d);
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
	struct script_ctx *c = script_get_ctx(L);
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

lua_State *script_new_state(struct script_ctx *c)
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

void adapter_path(struct script_ctx *c, const char *kind, const char *name, char *out, size_t len)
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
void adapter_load(lua_State *L, struct script_ctx *c, const char *kind, const char *name, struct adapter *a)
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
		script_raise(L, "%sunknown %s '%s' (available: %s)", c ? c->where : "", kind, name, names);
	}
	if (script_loadfile(L, a->path) != LUA_OK || script_docall(L, 0, 1) != LUA_OK)
		script_raise(L, "%s", lua_tostring(L, -1));
	if (!lua_istable(L, -1))
		script_raise(L, "%s: an adapter must return a table (got %s)", a->path, luaL_typename(L, -1));
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, key);
	lua_remove(L, -2);
	a->idx = lua_gettop(L);
}

const char *adapter_string(lua_State *L, const struct adapter *a, const char *field, const char *dflt)
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
int adapter_call(lua_State *L, const struct adapter *a, const char *field, int nargs)
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
	if (script_docall(L, nargs, 1) != LUA_OK) {
		/* The message may quote an escaped option value: show it as the user gave it. */
		const char *msg = luaL_gsub(L, lua_tostring(L, -1), "{{", "{");
		script_raise(L, "%s %s: %s(): %s", a->kind, a->name, field, msg);
	}
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);   /* returning nothing means "not in this configuration" */
		return 0;
	}
	return 1;
}

/* Is the adapter usable here?  Pushes nothing; returns 1 or 0 with the reason in buf. */
int adapter_available(lua_State *L, const struct adapter *a, char *why, size_t len)
{
	int ok = 1;
	lua_getfield(L, a->idx, "available");
	if (!lua_isfunction(L, -1)) {
		lua_pop(L, 1);
		return 1;
	}
	if (script_docall(L, 0, 2) != LUA_OK) {
		snprintf(why, len, "available() failed: %s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return 0;
	}
	ok = lua_toboolean(L, -2);
	snprintf(why, len, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "not available here");
	lua_pop(L, 2);
	return ok;
}

/* ---- running a script -------------------------------------------------------------------- */

int script_run(lua_State *L, struct script_ctx *c)
{
	if (script_loadfile(L, c->script) != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		/* "cannot open x.lua" from Lua is terse; say what to do. */
		if (script_limit_error(c))
			;
		else if (!path_exists(c->script))
			tare_err("%s: no such script (try scripts/canary.lua)", c->script);
		else
			tare_err("%s", msg);
		return EXIT_USAGE;
	}
	if (script_docall(L, 0, 0) != LUA_OK) {
		if (!script_limit_error(c))
			tare_err("%s", lua_tostring(L, -1));
		return EXIT_USAGE;
	}
	return 0;
}

char *script_dir_of(const char *path)
{
	char *d = xstrdup(path), *slash = strrchr(d, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(d, ".");
	return d;
}

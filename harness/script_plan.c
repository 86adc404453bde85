/* script_plan.c — experiment{} into a plan (plan.h): each workload and profiler spec expanded
 * through its adapter into configurations (argv, env, ready, stop, control), and the core keys
 * every experiment takes (blocks, design, window, guard, budget, counters, ...).  It runs as a C
 * function under lua_pcall (script.c), so any error here is one line and an exit code. */
#include "script.h"

#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdint.h>
#include <regex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "counters.h"
#include "script_int.h"
#include "util.h"

const char *const script_core_keys[] = {
	"name", "blocks", "warmup", "duration", "units", "seed", "timeout", "pin", "confidence", "budget", "max_blocks",
	"counters", "design", "window", "guard", "gauge", "twins", NULL,
};

static int is_array(lua_State *L, int idx)
{
	return lua_type(L, idx) == LUA_TTABLE && luaL_len(L, idx) > 0;
}

static char **strv_from_table(lua_State *L, int idx, const struct adapter *a, const char *what)
{
	lua_Integer n = 0;
	char **v;
	idx = lua_absindex(L, idx);
	if (!lua_istable(L, idx) || (n = luaL_len(L, idx)) == 0)
		script_raise(L, "%s %s: %s must be a non-empty list of strings", a->kind, a->name, what);
	/* Check every item before allocating: a Lua error must not leave memory behind. */
	for (lua_Integer i = 1; i <= n; i++) {
		lua_geti(L, idx, i);
		if (!lua_isstring(L, -1))
			script_raise(L, "%s %s: %s item %lld is %s, not a string", a->kind, a->name, what, (long long)i, luaL_typename(L, -1));
		lua_pop(L, 1);
	}
	v = xcalloc((size_t)n + 1, sizeof(char *));
	for (lua_Integer i = 1; i <= n; i++) {
		char buf[4096];
		lua_geti(L, idx, i);
		script_fmt_value(L, -1, buf, sizeof(buf));
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
		script_raise(L, "%s %s: env must be a table of NAME = value", a->kind, a->name);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			script_raise(L, "%s %s: env keys must be variable names", a->kind, a->name);
	}
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		char val[4096];
		script_fmt_value(L, -1, val, sizeof(val));
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
				script_raise(L, "%s: options are given as name = value", owner);
			lua_getfield(L, decls, lua_tostring(L, -1));
			if (lua_isnil(L, -1)) {
				char names[1024] = "";
				size_t off = 0;
				script_push_sorted_keys(L, decls);
				for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n && off < sizeof(names); i++) {
					lua_geti(L, -1, i);
					off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", i > 1 ? ", " : "", lua_tostring(L, -1));
					lua_pop(L, 1);
				}
				script_raise(L, "%s has no option '%s' (it has: %s)", owner, lua_tostring(L, -3), off ? names : "none");
			}
			lua_pop(L, 1);
		}
	}
	script_push_sorted_keys(L, decls);
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
		script_decl_parse(L, owner, lua_tostring(L, -2), -1, &d);
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
						script_push_parsed(L, owner, &d, s);
						lua_remove(L, -2);
					}
					script_check_value(L, owner, &d, -1);
					lua_seti(L, vals, j);
				}
			} else {
				if (d.kind == K_LIST && lua_type(L, v) == LUA_TSTRING) {
					script_push_parsed(L, owner, &d, lua_tostring(L, v));
					lua_replace(L, v);
				}
				script_check_value(L, owner, &d, v);
				lua_pushvalue(L, v);
				lua_seti(L, vals, 1);
			}
			lua_settop(L, vals);
		}
		combos *= luaL_len(L, vals);
		lua_seti(L, sweeps, i);
		script_decl_done(L, &d);
		lua_pop(L, 2);    /* declaration, name */
	}
	if (combos > 10000)
		script_raise(L, "%s expands into %lld configurations; that is not an experiment, it is a lifetime", owner, (long long)combos);
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
				script_raise(L, "%s: label must be a string", owner);
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
	script_push_sorted_keys(L, opts);
	for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n; i++) {
		char val[512];
		const char *key;
		lua_geti(L, -1, i);
		key = lua_tostring(L, -1);
		lua_getfield(L, opts, key);
		script_fmt_value(L, -1, val, sizeof(val));
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

/* A workload's environment for its profilers' t.env: never NULL, so t.env is always a table. */
static char *const *workload_env(const struct workload *w)
{
	static char *const none[] = { NULL };
	return w->env ? w->env : none;
}

static void push_target(lua_State *L, const char *workload, const char *unit, char *const *env)
{
	lua_createtable(L, 0, 6);
	/* profilers: the workload's environment, { NAME = value } as its adapter gave it (a heap
	 * profiler that needs its allocator preloaded in every arm checks it here) */
	if (env) {
		lua_createtable(L, 0, 4);
		for (char *const *e = env; *e; e++) {
			const char *eq = strchr(*e, '=');
			if (!eq)
				continue;
			lua_pushlstring(L, *e, (size_t)(eq - *e));
			lua_pushstring(L, eq + 1);
			lua_settable(L, -3);
		}
		lua_setfield(L, -2, "env");
	}
	lua_pushstring(L, "{pid}");
	lua_setfield(L, -2, "pid");
	lua_pushstring(L, "{dir}");
	lua_setfield(L, -2, "dir");
	lua_pushstring(L, "{port}");
	lua_setfield(L, -2, "port");
	lua_pushstring(L, "{pids}");
	lua_setfield(L, -2, "pids");
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
	lua_pushboolean(L, script_get_ctx(L)->ex->design == DESIGN_SWITCHBACK);
	lua_setfield(L, -2, "switchback");
}

static void require_available(lua_State *L, struct script_ctx *c, const struct adapter *a)
{
	char why[1024];
	if (!adapter_available(L, a, why, sizeof(why))) {
		c->exit_code = EXIT_CANNOT;
		script_raise(L, "%s %s cannot run here: %s", a->kind, a->name, why);
	}
}

/* The i-th spec of a workload or profiler list, its adapter loaded, available here, and its
 * options expanded: pushes the spec, the adapter table and the combinations (expand_spec), and
 * returns the adapter's name. */
static const char *expand_entry(lua_State *L, struct script_ctx *c, int list, lua_Integer i, const char *kind,
				struct adapter *a)
{
	const char *name = spec_name(L, c, list, i, kind);
	int spec = lua_gettop(L);
	adapter_load(L, c, kind, name, a);
	require_available(L, c, a);
	expand_spec(L, c, a, spec);
	return name;
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

/* A string field that is a value, not a template (a cgroup path, a URL, a metric selector): an
 * option's value reaches the adapter with its { doubled (plan_escape), undone here. */
static char *field_value(lua_State *L, int t, const char *key)
{
	char *v = NULL;
	t = lua_absindex(L, t);
	lua_getfield(L, t, key);
	if (lua_type(L, -1) == LUA_TSTRING && *lua_tostring(L, -1))
		v = xstrdup(luaL_gsub(L, lua_tostring(L, -1), "{{", "{")), lua_pop(L, 1);
	lua_pop(L, 1);
	return v;
}

/* attach = { pid = N } | { cgroup = "path" }: the workload is a service already running
 * (docs/inplace.md); metrics = { url = "http://host:port/metrics", units = "counter{...}",
 * latency = "histogram" }: its units and latency from its own Prometheus endpoint.  Whether the
 * process, the cgroup and the endpoint are there is checked when the run begins, not here:
 * planning (tare list, --help) needs none of them. */
static void workload_in_place(lua_State *L, struct script_ctx *c, const struct adapter *a, int opts, struct workload *w)
{
	lua_pushvalue(L, opts);
	if (adapter_call(L, a, "attach", 1)) {
		if (!lua_istable(L, -1))
			script_raise(L, "%s: attach must be a table such as { pid = 1234 } or { cgroup = \"system.slice/nginx.service\" }", a->path);
		lua_getfield(L, -1, "pid");
		if (!lua_isnil(L, -1) && (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > INT32_MAX))
			script_raise(L, "%s: attach.pid must be a process ID, not '%s'", a->path, luaL_tolstring(L, -1, NULL));
		w->attach_pid = (int)lua_tointeger(L, -1);
		lua_pop(L, 1);
		w->attach_cgroup = field_value(L, -1, "cgroup");
		lua_pop(L, 1);
		if (!!w->attach_pid + !!w->attach_cgroup > 1)
			script_raise(L, "%s: attach takes a pid or a cgroup, not both", a->path);
		if ((w->attach_pid || w->attach_cgroup) && c->ex->design != DESIGN_SWITCHBACK)
			plan_raise(L, c, "experiment: a service measured in place (%s) cannot be restarted for every trial: "
				   "use design = \"switchback\"", a->name);
		if ((w->attach_pid || w->attach_cgroup) && c->ex->twins)
			plan_raise(L, c, "experiment: a service measured in place (%s) has no twin tare can start: "
				   "drop twins=true", a->name);
	}
	lua_pushvalue(L, opts);
	if (adapter_call(L, a, "metrics", 1)) {
		if (!lua_istable(L, -1))
			script_raise(L, "%s: metrics must be a table such as { url = \"http://127.0.0.1:9121/metrics\", units = \"name\" }", a->path);
		w->metrics_url = field_value(L, -1, "url");
		w->metrics_units = field_value(L, -1, "units");
		w->metrics_latency = field_value(L, -1, "latency");
		lua_pop(L, 1);
		if (!w->metrics_url && (w->metrics_units || w->metrics_latency))
			script_raise(L, "%s: metrics needs the url of the Prometheus endpoint", a->path);
		if (w->metrics_url && !w->metrics_units && !w->metrics_latency) {
			free(w->metrics_url);
			w->metrics_url = NULL;   /* nothing asked of it */
		}
		if (w->metrics_url && c->ex->design != DESIGN_SWITCHBACK)
			plan_raise(L, c, "experiment: metrics from a Prometheus endpoint (%s) are read per window: use design = \"switchback\"", a->name);
		if (w->metrics_url && c->ex->twins)
			plan_raise(L, c, "experiment: metrics from a Prometheus endpoint (%s) count one process, not its twin: "
				   "drop twins=true", a->name);
	}
}

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

/* files(o, t) = { ["nginx.conf"] = "...{port}..." }: plain names in the trial's directory, each
 * content a template.  Sorted by name, so a plan is the same whatever Lua's hash order. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **files_from_table(lua_State *L, int idx, const struct adapter *a)
{
	struct ptrvec names = { 0 }, v = { 0 };
	idx = lua_absindex(L, idx);
	if (!lua_istable(L, idx))
		script_raise(L, "%s: files() must return a table { [\"name\"] = \"content\" }", a->path);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		if (!k || !*k || strchr(k, '/') || !strcmp(k, ".") || !strcmp(k, ".."))
			script_raise(L, "%s: files(): '%s' is not a plain file name (it is written into the trial's directory)",
				     a->path, k ? k : "(not a string)");
		if (lua_type(L, -1) != LUA_TSTRING)
			script_raise(L, "%s: files(): the content of '%s' must be a string", a->path, k);
		ptrvec_push(&names, (void *)k);
		lua_pop(L, 1);
	}
	qsort(names.v, (size_t)names.n, sizeof(char *), cmp_str);
	for (int i = 0; i < names.n; i++) {
		lua_getfield(L, idx, (const char *)names.v[i]);
		ptrvec_push(&v, xstrdup((const char *)names.v[i]));
		ptrvec_push(&v, xstrdup(lua_tostring(L, -1)));
		lua_pop(L, 1);
	}
	ptrvec_push(&v, NULL);
	free(names.v);
	return (char **)v.v;
}

/* truth = { parts = { name = pct, ... } } (or a function of the options returning it): the
 * workload's known CPU split, up to TRUTH_PARTS_MAX functions whose percentages sum to 100, kept
 * largest first (then by name), the order the summary shows them in. */
static int truth_part_cmp(const void *a, const void *b)
{
	const struct truth_part *x = a, *y = b;
	return x->pct != y->pct ? (x->pct < y->pct) - (x->pct > y->pct) : strcmp(x->name, y->name);
}

static void workload_truth(lua_State *L, const struct adapter *a, int opts, struct truth_split *t)
{
	double sum = 0;
	memset(t, 0, sizeof(*t));
	lua_pushvalue(L, opts);
	if (!adapter_call(L, a, "truth", 1))
		return;
	if (lua_istable(L, -1))
		lua_getfield(L, -1, "parts");
	else
		lua_pushnil(L);
	if (!lua_istable(L, -1))
		script_raise(L, "%s: a workload's truth must be a table such as { parts = { cpu_hot = 70, cpu_warm = 30 } }", a->path);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		struct truth_part *p = &t->part[t->n];
		if (lua_type(L, -2) != LUA_TSTRING || !lua_isnumber(L, -1) || !(lua_tonumber(L, -1) >= 0))
			script_raise(L, "%s: truth.parts maps a function's name to its percentage of the work (a number >= 0)", a->path);
		if (t->n == TRUTH_PARTS_MAX)
			script_raise(L, "%s: truth.parts has more than %d functions", a->path, TRUTH_PARTS_MAX);
		p->name = xstrdup(lua_tostring(L, -2));
		p->pct = lua_tonumber(L, -1);
		sum += p->pct;
		t->n++;
		lua_pop(L, 1);
	}
	lua_pop(L, 2);
	if (t->n == 0 || fabs(sum - 100) > 0.5)
		script_raise(L, "%s: truth.parts' percentages sum to %g; they must sum to 100", a->path, sum);
	qsort(t->part, (size_t)t->n, sizeof(t->part[0]), truth_part_cmp);
}

static void plan_workloads(lua_State *L, struct script_ctx *c, int list)
{
	struct experiment *ex = c->ex;
	for (lua_Integer i = 1, n = luaL_len(L, list); i <= n; i++) {
		struct adapter a;
		int top = lua_gettop(L);
		const char *name = expand_entry(L, c, list, i, "workload", &a);
		int combos = lua_gettop(L);
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
			/* a string, or a function of the options (command: none when nothing loads it) */
			lua_pushvalue(L, eopts);
			if (adapter_call(L, &a, "unit", 1)) {
				if (lua_type(L, -1) != LUA_TSTRING)
					script_raise(L, "%s: unit must be a string such as \"requests\" (or a function returning one)", a.path);
				w->unit = xstrdup(lua_tostring(L, -1));
				lua_pop(L, 1);
			} else {
				w->unit = xstrdup("");
			}
			workload_in_place(L, c, &a, eopts, w);
			lua_pushvalue(L, eopts);
			push_target(L, name, w->unit, NULL);
			if (adapter_call(L, &a, "command", 2)) {
				w->argv = strv_from_table(L, -1, &a, "command()");
				lua_pop(L, 1);
			} else if (!w->attach_pid && !w->attach_cgroup)
				script_raise(L, "%s: a workload adapter needs command = function(o, t) returning argv "
					     "(or attach, for a service already running)", a.path);
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
			push_target(L, name, w->unit, NULL);
			if (adapter_call(L, &a, "driver", 2)) {
				w->driver_argv = strv_from_table(L, -1, &a, "driver()");
				lua_pop(L, 1);
			}
			lua_pushvalue(L, eopts);
			push_target(L, name, w->unit, NULL);
			if (adapter_call(L, &a, "files", 2)) {
				w->files = files_from_table(L, -1, &a);
				lua_pop(L, 1);
			}
			workload_truth(L, &a, eopts, &w->truth);
			lua_pop(L, 4);
		}
		lua_settop(L, top);
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

/* ready = { perf_event_mmaps = N } | { perf_event_fds = N } | { line = "text" } | { file = "path" } | { delay = s }, timeout = s */
static void parse_ready(lua_State *L, const struct adapter *a, int opts, struct ready *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = READY_START;
	r->timeout_s = 10;
	lua_pushvalue(L, opts);
	if (!adapter_call(L, a, "ready", 1))
		return;
	if (!lua_istable(L, -1))
		script_raise(L, "%s %s: ready must be a table such as { line = \"ready\" }", a->kind, a->name);
	r->timeout_s = field_number(L, -1, "timeout", 10);
	lua_getfield(L, -1, "perf_event_fds");
	if (lua_isnumber(L, -1))
		r->kind = READY_PERF_FDS, r->count = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	lua_getfield(L, -1, "perf_event_mmaps");
	if (lua_isnumber(L, -1))
		r->kind = READY_PERF_MMAPS, r->count = (int)lua_tointeger(L, -1);
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
	lua_pop(L, 1);
	lua_getfield(L, -1, "port");
	if (lua_isstring(L, -1))   /* a number or a template such as "{port}" */
		r->kind = READY_PORT, r->text = xstrdup(lua_tostring(L, -1));
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
		script_raise(L, "profiler %s: stop must be a table such as { signal = \"INT\", grace = 10 }", a->name);
	lua_getfield(L, -1, "signal");
	if (lua_isstring(L, -1)) {
		cf->stop_signal = signal_number(lua_tostring(L, -1));
		if (cf->stop_signal < 0)
			script_raise(L, "profiler %s: stop.signal '%s' is not one of INT, TERM, KILL, HUP, USR1, USR2, QUIT", a->name, lua_tostring(L, -1));
	}
	lua_pop(L, 1);
	cf->stop_grace_s = field_number(L, -1, "grace", 10);
	lua_pop(L, 1);
}

/* samples = { json = "{dir}/x.json", key = "a.b" } | { command = { argv }, match = "ERE with (group)" },
 * what = "samples": how tare counts what the profiler recorded, once it has stopped.  The regular
 * expression is compiled here, so a bad one is a planning error, not a trial's. */
static void config_samples(lua_State *L, const struct adapter *a, int opts, struct samples_spec *s)
{
	const char *v;
	memset(s, 0, sizeof(*s));
	lua_pushvalue(L, opts);
	if (!adapter_call(L, a, "samples", 1))
		return;
	if (!lua_istable(L, -1))
		script_raise(L, "%s: samples must be a table such as { json = \"{dir}/stats.json\", key = \"samples\" }", a->path);
	lua_getfield(L, -1, "json");
	if ((v = lua_tostring(L, -1)))
		s->json = xstrdup(v);
	lua_pop(L, 1);
	lua_getfield(L, -1, "key");
	if ((v = lua_tostring(L, -1)))
		s->key = xstrdup(v);
	lua_pop(L, 1);
	lua_getfield(L, -1, "match");
	if ((v = lua_tostring(L, -1)))
		s->match = xstrdup(v);
	lua_pop(L, 1);
	lua_getfield(L, -1, "what");
	s->what = xstrdup((v = lua_tostring(L, -1)) ? v : "samples");
	lua_pop(L, 1);
	lua_getfield(L, -1, "per_cpu_s");
	if (!lua_isnil(L, -1) && (!lua_isnumber(L, -1) || !((s->per_cpu_s = lua_tonumber(L, -1)) > 0)))
		script_raise(L, "%s: samples.per_cpu_s must be a number above 0 (what it records a second of the workload's CPU)", a->path);
	lua_pop(L, 1);
	lua_getfield(L, -1, "command");
	if (!lua_isnil(L, -1))
		s->argv = strv_from_table(L, -1, a, "samples.command");
	lua_pop(L, 2);
	if (!!s->json + !!s->argv != 1 || (s->json && !s->key) || (s->argv && !s->match))
		script_raise(L, "%s: samples needs either json and key, or command and match", a->path);
	if (s->match) {
		regex_t re;
		int rc = regcomp(&re, s->match, REG_EXTENDED);
		if (rc) {
			char why[128];
			regerror(rc, &re, why, sizeof(why));
			script_raise(L, "%s: samples.match '%s' is not a POSIX extended regular expression: %s", a->path, s->match, why);
		}
		if (re.re_nsub < 1) {
			regfree(&re);
			script_raise(L, "%s: samples.match '%s' needs a group, ( ), around the count", a->path, s->match);
		}
		regfree(&re);
	}
}

/* self = { folded = "{dir}/x.folded" } | { command = { argv } }, pattern = "ERE": the profiler's
 * own frames in the stacks it recorded (docs/adapters.md); without a pattern the stacks are read
 * for the known split only. */
static void config_self(lua_State *L, const struct adapter *a, int opts, struct self_spec *s)
{
	const char *v;
	regex_t re;
	memset(s, 0, sizeof(*s));
	lua_pushvalue(L, opts);
	if (!adapter_call(L, a, "self", 1))
		return;
	if (!lua_istable(L, -1))
		script_raise(L, "%s: self must be a table such as { folded = \"{dir}/profile.folded\", pattern = \"perf_\" }", a->path);
	lua_getfield(L, -1, "folded");
	if ((v = lua_tostring(L, -1)))
		s->folded = xstrdup(v);
	lua_pop(L, 1);
	lua_getfield(L, -1, "pattern");
	if ((v = lua_tostring(L, -1)))
		s->pattern = xstrdup(v);
	lua_pop(L, 1);
	lua_getfield(L, -1, "command");
	if (!lua_isnil(L, -1))
		s->argv = strv_from_table(L, -1, a, "self.command");
	lua_pop(L, 2);
	if (!!s->folded + !!s->argv != 1)
		script_raise(L, "%s: self needs either folded (a file) or command (printing folded stacks)", a->path);
	if (!s->pattern)
		return;
	if (regcomp(&re, s->pattern, REG_EXTENDED | REG_NOSUB) != 0)
		script_raise(L, "%s: self.pattern '%s' is not a POSIX extended regular expression", a->path, s->pattern);
	regfree(&re);
}

/* control = "signal" | "page" | "perf-fifo" | "restart" | "toggle": how the profiler is switched in one process.
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
			script_raise(L, "%s: control must be \"signal\", \"page\", \"perf-fifo\", \"restart\" or \"toggle\" (or a function returning one)", a->path);
		for (i = 1; control_names[i] && strcmp(control_names[i], s); i++)
			;
		if (!control_names[i])
			script_raise(L, "%s: control '%s' is not one of signal, page, perf-fifo, restart, toggle", a->path, s);
		cf->control = (enum control)i;
		lua_pop(L, 1);
	}
	/* toggle_signal = "USR1": a JVM's handler cannot have USR2, which HotSpot may use itself */
	cf->toggle_signal = SIGUSR2;
	lua_pushvalue(L, opts);
	if (adapter_call(L, a, "toggle_signal", 1)) {
		if (lua_type(L, -1) != LUA_TSTRING || (cf->toggle_signal = signal_number(lua_tostring(L, -1))) < 0)
			script_raise(L, "%s: toggle_signal must be one of INT, TERM, KILL, HUP, USR1, USR2, QUIT", a->path);
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
		int top = lua_gettop(L);
		const char *name = expand_entry(L, c, list, i, "profiler", &a);
		int combos = lua_gettop(L);
		for (lua_Integer k = 1, nk = luaL_len(L, combos); k <= nk; k++) {
			lua_geti(L, combos, k);
			lua_pushstring(L, name);
			lua_setfield(L, -2, "name");
			lua_seti(L, combos_all, ++m);
		}
		lua_settop(L, top);
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
			push_target(L, ex->workloads[w].name, ex->workloads[w].unit, workload_env(&ex->workloads[w]));
			if (adapter_call(L, &a, "command", 2)) {
				cf->profiler_argv = strv_from_table(L, -1, &a, "command()");
				lua_pop(L, 1);
			}
			lua_pushvalue(L, eopts);
			push_target(L, ex->workloads[w].name, ex->workloads[w].unit, workload_env(&ex->workloads[w]));
			if (adapter_call(L, &a, "env", 2)) {
				cf->workload_env = env_from_table(L, -1, &a);
				lua_pop(L, 1);
			}
			lua_pushvalue(L, eopts);
			push_target(L, ex->workloads[w].name, ex->workloads[w].unit, workload_env(&ex->workloads[w]));
			if (adapter_call(L, &a, "workload_args", 2)) {
				cf->workload_args = strv_from_table(L, -1, &a, "workload_args()");
				lua_pop(L, 1);
			}
			lua_getfield(L, a.idx, "start");
			if (lua_isstring(L, -1) && !strcmp(lua_tostring(L, -1), "ready"))
				cf->start_after_ready = 1;
			else if (!lua_isnil(L, -1) && !(lua_isstring(L, -1) && !strcmp(lua_tostring(L, -1), "gate")))
				script_raise(L, "%s: start must be \"gate\" (before the workload runs, the default) or \"ready\" "
					     "(once it is ready)", a.path);
			lua_pop(L, 1);
			lua_getfield(L, a.idx, "check");
			if (!lua_isnil(L, -1)) {
				cf->check_s = lua_tonumber(L, -1);
				if (!lua_isnumber(L, -1) || !(cf->check_s > 0 && cf->check_s <= 60))
					script_raise(L, "%s: check must be the seconds (0 < s <= 60) the profiler is given, before "
						     "the first trial, to find out it cannot run", a.path);
			}
			lua_pop(L, 1);
			parse_ready(L, &a, eopts, &cf->ready);
			config_stop(L, &a, eopts, cf);
			config_control(L, c, &a, eopts, cf);
			/* toggle signals the workload: never a service tare did not start (inplace.md) */
			if (cf->control == CONTROL_TOGGLE && ex->design == DESIGN_SWITCHBACK &&
			    (ex->workloads[w].attach_pid || ex->workloads[w].attach_cgroup))
				plan_raise(L, c, "experiment: profiler %s is switched by a signal to the workload, and tare never "
					   "signals a service it did not start (docs/inplace.md)", cf->label);
			config_samples(L, &a, eopts, &cf->samples);
			config_self(L, &a, eopts, &cf->self);
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
	int i = script_find_arg(c, key, &v);
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

/* A yes/no core key: from the command line (true/false, 1/0, yes/no, on/off) or the table. */
static int core_bool(struct script_ctx *c, lua_State *L, int t, const char *key, int dflt)
{
	const char *s = core_override(c, L, key);
	int v = dflt;
	if (s) {
		if (script_bool_word(s) < 0)
			script_raise(L, "command line: %s=%s: expected true or false", key, s);
		return script_bool_word(s);
	}
	lua_getfield(L, t, key);
	if (!lua_isnil(L, -1))
		v = lua_toboolean(L, -1);
	lua_pop(L, 1);
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
			script_raise(L, "command line: %s=%s: expected %s", key, s, unit);
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
		script_raise(L, "%s%s=%g: must be between %g and %g (%s)", s ? "command line: " : c->where, key, x, min, max, unit);
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
			script_raise(L, "command line: %s", err);
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
	script_push_sorted_keys(L, -1);
	for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n; i++) {
		char val[64];
		const char *key;
		lua_geti(L, -1, i);
		key = lua_tostring(L, -1);
		lua_getfield(L, -3, key);
		script_fmt_value(L, -1, val, sizeof(val));
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
		script_raise(L, "%s%s", cli ? "command line: " : c->where, err);
	counters_free(set);
}

static int build_plan(lua_State *L)
{
	struct script_ctx *c = script_get_ctx(L);
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
				script_raise(L, "command line: seed=%s: expected a non-negative integer", seed);
		} else {
			lua_getfield(L, t, "seed");
			ex->seed = lua_isinteger(L, -1) ? (uint64_t)lua_tointeger(L, -1) : 0;
			lua_pop(L, 1);
		}
	}
	ex->pin = core_bool(c, L, t, "pin", 1);
	ex->gauge = core_bool(c, L, t, "gauge", 1);
	ex->twins = core_bool(c, L, t, "twins", 0);

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
			script_raise(L, "%sdesign=%s: expected \"process\" (a fresh process per trial) or \"switchback\" "
			       "(the profiler switched on and off in windows of one process)", where, d);
	}
	/* 0.25 s windows: the within-process noise of a CPU loop measured here is ~1.1% per pair at
	 * that length (DESIGN.md).  10 ms of guard covers every switch tare makes (a signal, the page,
	 * perf's acknowledged FIFO command: all under a millisecond here) with the carry-over check
	 * quiet, and keeps 96% of the switching time measured (the 25 ms tried first gave 90%). */
	ex->window_s = core_number(L, c, t, "window", 0.25, 0.01, 3600, "seconds");
	ex->guard_s = core_number(L, c, t, "guard", 0.01, 0, 3600, "seconds");
	if (ex->twins && ex->design != DESIGN_SWITCHBACK)
		plan_raise(L, c, "experiment: twins=true crosses the profiler over between two processes in windows: "
			   "use design = \"switchback\"");
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
		script_push_sorted_keys(L, -1);
		for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n; i++) {
			char val[1024];
			lua_geti(L, -1, i);
			lua_getfield(L, -3, lua_tostring(L, -1));
			script_fmt_value(L, -1, val, sizeof(val));
			kvlist_add(&ex->options, lua_tostring(L, -2), val);
			lua_pop(L, 2);
		}
	}
	return 0;
}

/* ---- entry points -------------------------------------------------------------------------- */

int script_plan(const char *script, int nargs, char **args, struct experiment *ex)
{
	struct script_ctx c = { 0 };
	lua_State *L;
	int rc;
	c.script = script;
	c.script_dir = script_dir_of(script);
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
	L = script_new_state(&c);
	rc = script_run(L, &c);
	if (rc)
		goto out;
	if (c.experiment_ref == LUA_NOREF) {
		tare_err("%s: the script declares no experiment; call experiment { ... }", script);
		rc = EXIT_USAGE;
		goto out;
	}
	ex->script = xstrdup(script);
	lua_pushcfunction(L, build_plan);
	if (script_docall(L, 0, 0) != LUA_OK) {
		/* A bound overrides the exit code: an adapter's available() that never returns is
		 * the adapter's fault, not this machine's. */
		if (script_limit_error(&c)) {
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

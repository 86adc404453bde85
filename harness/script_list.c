/* script_list.c — what tare says about scripts and adapters without planning a run: `tare run
 * SCRIPT --help` (the script's options and the core keys) and `tare list` (every adapter, whether
 * it can run here, and how it can be switched). */
#include "script.h"

#include <dirent.h>
#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script_int.h"
#include "util.h"

int script_describe(const char *script, FILE *out)
{
	struct script_ctx c = { 0 };
	lua_State *L;
	int rc;
	c.script = script;
	c.script_dir = script_dir_of(script);
	c.describe = 1;
	c.used = xcalloc(1, sizeof(int));
	L = script_new_state(&c);
	rc = script_run(L, &c);
	if (!rc) {
		fprintf(out, "usage: tare run %s [name=value ...]\n\n", script);
		if (c.options_ref != LUA_NOREF) {
			fprintf(out, "options of this script:\n");
			lua_rawgeti(L, LUA_REGISTRYINDEX, c.options_ref);
			script_push_sorted_keys(L, -1);
			for (lua_Integer i = 1, n = luaL_len(L, -1); i <= n; i++) {
				char dflt[256];
				lua_geti(L, -1, i);
				lua_getfield(L, -3, lua_tostring(L, -1));
				lua_geti(L, -1, 1);
				lua_geti(L, -2, 2);
				script_fmt_value(L, -1, dflt, sizeof(dflt));
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
			"  guard=S       switchback: unmeasured seconds after each switch (default 0.01)\n"
			"  gauge=BOOL    switchback: time a fixed kernel path beside each window, the machine's\n"
			"                speed, read in the summary (default true)\n"
			"  twins=BOOL    switchback: a second process of the workload on the same CPUs, the\n"
			"                profiler on in one while off in the other (default false; docs/switchback.md)\n"
			"  name=NAME     the run's name in results/<stamp>-<name>/\n");
	}
	lua_close(L);
	free(c.used);
	free(c.script_dir);
	return rc;
}

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
	if (t == LUA_TSTRING) {
		snprintf(buf, sizeof(buf), " [switchback: %s]", lua_tostring(L, -1));
	} else if (t == LUA_TFUNCTION) {
		/* a function of the options (perf, inject): what it says for their defaults */
		lua_newtable(L);
		lua_getfield(L, a->idx, "options");
		if (lua_istable(L, -1)) {
			lua_pushnil(L);
			while (lua_next(L, -2)) {
				if (lua_istable(L, -1) && lua_type(L, -2) == LUA_TSTRING) {
					lua_pushvalue(L, -2);
					lua_rawgeti(L, -2, 2);
					lua_settable(L, -6);
				}
				lua_pop(L, 1);
			}
		}
		lua_pop(L, 1);
		if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING)
			snprintf(buf, sizeof(buf), " [switchback: %s by default]", lua_tostring(L, -1));
		else
			snprintf(buf, sizeof(buf), " [switchback]");
	} else {
		snprintf(buf, sizeof(buf), " [process trials only]");
	}
	lua_pop(L, 1);
	return buf;
}

/* One line per adapter of a kind; EXIT_USAGE, after the limits' line, when one exceeds them. */
static int list_kind(lua_State *L, const char *kind, FILE *out)
{
	struct script_ctx *c = script_get_ctx(L);
	char dir[PATH_MAX];
	struct dirent **ents;
	int n, rc = 0, w = 10;
	snprintf(dir, sizeof(dir), "%s/%ss", tare_root(), kind);
	n = scandir(dir, &ents, NULL, alphasort);
	fprintf(out, "%ss (%s):\n", kind, dir);
	/* the names' column as wide as the longest (pyroscope-node, go-pprof-scrape) */
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);
		if (l > 4 && !strcmp(ents[i]->d_name + l - 4, ".lua") && (int)(l - 4) > w)
			w = (int)(l - 4);
	}
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);
		if (!rc && l > 4 && !strcmp(ents[i]->d_name + l - 4, ".lua")) {
			struct adapter a;
			char name[256], why[1024];
			int top = lua_gettop(L), ok;
			snprintf(name, sizeof(name), "%.*s", (int)(l - 4), ents[i]->d_name);
			adapter_path(NULL, kind, name, a.path, sizeof(a.path));
			if (script_loadfile(L, a.path) != LUA_OK || script_docall(L, 0, 1) != LUA_OK || !lua_istable(L, -1)) {
				if (script_limit_error(c))
					rc = EXIT_USAGE;
				else
					fprintf(out, "  %-*s  cannot load: %s\n", w, name, lua_isstring(L, -1) ? lua_tostring(L, -1) : "does not return a table");
				lua_settop(L, top);
				free(ents[i]);
				continue;
			}
			a.kind = kind;
			a.name = name;
			a.idx = lua_gettop(L);
			ok = adapter_available(L, &a, why, sizeof(why));
			if (script_limit_error(c))
				rc = EXIT_USAGE;
			else if (ok)
				fprintf(out, "  %-*s  ok           %s%s\n", w, name, adapter_string(L, &a, "description", ""),
					list_control(L, &a));
			else
				fprintf(out, "  %-*s  cannot run   %s%s\n  %-*s               (%s)\n", w, name,
					adapter_string(L, &a, "description", ""), list_control(L, &a), w, "", why);
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
	lua_State *L = script_new_state(&c);
	int rc = list_kind(L, "workload", out);
	if (!rc) {
		fprintf(out, "\n");
		rc = list_kind(L, "profiler", out);
	}
	lua_close(L);
	return rc;
}

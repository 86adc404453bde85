/* test_adapters.c — the switchable profilers' adapters (profilers/ref.lua, ref-bpf.lua,
 * inject.lua; docs/switchback.md): their control, and what t.switchback changes in command(o, t)
 * and env(o, t) — nothing when it is nil or false (process trials).
 *
 * Each adapter is loaded into a bare Lua state with a stub `tare` table (the fields these
 * adapters read), the way the harness hands them the options table o and the target t. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char *root(void)
{
	const char *r = getenv("TARE_ROOT");

	return r && *r ? r : ".";
}

/* A state with the adapter's table on top of the stack, or NULL. */
static lua_State *load_adapter(const char *name)
{
	char path[4096];
	lua_State *L = luaL_newstate();

	luaL_openlibs(L);
	if (luaL_dostring(L, "tare = { build = '/b', is_root = true, perf_event_paranoid = 2,"
			 " exists = function() return true end, which = function() return '/x' end,"
			 " read = function() return 'bpf' end }") != LUA_OK) {
		lua_close(L);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/profilers/%s.lua", root(), name);
	if (luaL_dofile(L, path) != LUA_OK || !lua_istable(L, -1)) {
		printf("# %s: %s\n", path, lua_tostring(L, -1));
		lua_close(L);
		return NULL;
	}
	return L;
}

/* adapter[field](o, t) with o and t given as Lua table constructors; the result, flattened
 * to one string (a list's items, or a table's "K=V" pairs sorted, space-separated; "nil"). */
static void call(lua_State *L, const char *field, const char *o, const char *t, char *out, size_t len)
{
	char chunk[1024];

	snprintf(chunk, sizeof(chunk),
		 "local a, f = ...\n"
		 "local r = a[f](%s, %s)\n"
		 "if type(r) ~= 'table' then return tostring(r) end\n"
		 "local s = {}\n"
		 "if #r > 0 then for _, v in ipairs(r) do s[#s + 1] = tostring(v) end\n"
		 "else for k, v in pairs(r) do s[#s + 1] = k .. '=' .. tostring(v) end table.sort(s) end\n"
		 "return table.concat(s, ' ')", o, t);
	if (luaL_loadstring(L, chunk) != LUA_OK) {
		snprintf(out, len, "error: %s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return;
	}
	lua_pushvalue(L, -2);
	lua_pushstring(L, field);
	if (lua_pcall(L, 2, 1, 0) != LUA_OK)
		snprintf(out, len, "error: %s", lua_tostring(L, -1));
	else
		snprintf(out, len, "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

#define T_ON   "{ pid = '{pid}', dir = '{dir}', switchback = true }"
#define T_OFF  "{ pid = '{pid}', dir = '{dir}', switchback = false }"
#define T_NIL  "{ pid = '{pid}', dir = '{dir}' }"

static void test_samplers_paused_by_signal(void)
{
	const char *names[] = { "ref", "ref-bpf" };

	for (int i = 0; i < 2; i++) {
		const char *o = i ? "{ hz = 99, types = { 'cpu' } }" : "{ hz = 99, type = 'cpu' }";
		lua_State *L = load_adapter(names[i]);
		char on[1024], off[1024], nil[1024];

		CHECK(L, "%s.lua does not load", names[i]);
		if (!L)
			continue;
		lua_getfield(L, -1, "control");
		CHECK(lua_isstring(L, -1) && !strcmp(lua_tostring(L, -1), "signal"),
		      "%s: control is '%s', want signal", names[i], lua_tostring(L, -1));
		lua_pop(L, 1);
		call(L, "command", o, T_ON, on, sizeof(on));
		call(L, "command", o, T_OFF, off, sizeof(off));
		call(L, "command", o, T_NIL, nil, sizeof(nil));
		CHECK(ends_with(on, " --paused"), "%s switchback: %s", names[i], on);
		CHECK(!strstr(off, "--paused") && !strcmp(off, nil), "%s process: %s / %s", names[i],
		      off, nil);
		CHECK(!strncmp(on, off, strlen(off)), "switchback only adds --paused: %s / %s", on, off);
		lua_close(L);
	}
}

static void test_inject_by_page_and_signal(void)
{
	lua_State *L = load_adapter("inject");
	char s[1024], plain[1024];

	CHECK(L, "inject.lua does not load");
	if (!L)
		return;
	call(L, "control", "{ mode = 'spin' }", "nil", s, sizeof(s));
	CHECK(!strcmp(s, "page"), "spin: control %s", s);
	call(L, "control", "{ mode = 'latency' }", "nil", s, sizeof(s));
	CHECK(!strcmp(s, "page"), "latency: control %s", s);
	call(L, "control", "{ mode = 'sidecar' }", "nil", s, sizeof(s));
	CHECK(!strcmp(s, "signal"), "sidecar: control %s", s);

	call(L, "env", "{ mode = 'spin', pct = 2, hz = 100 }", T_ON, s, sizeof(s));
	CHECK(strstr(s, "TARE_INJECT_SWITCHBACK=1") && strstr(s, "TARE_INJECT_PCT=2"), "spin: %s", s);
	call(L, "env", "{ mode = 'latency', us = 50 }", T_ON, s, sizeof(s));
	CHECK(strstr(s, "TARE_INJECT_SWITCHBACK=1") && strstr(s, "TARE_INJECT_SEND_US=50"), "latency: %s", s);
	call(L, "env", "{ mode = 'spin', pct = 2, hz = 100 }", T_OFF, s, sizeof(s));
	call(L, "env", "{ mode = 'spin', pct = 2, hz = 100 }", "nil", plain, sizeof(plain));
	CHECK(!strstr(s, "SWITCHBACK") && !strcmp(s, plain), "process trial: %s / env(o): %s", s, plain);
	call(L, "env", "{ mode = 'sidecar', pct = 2 }", T_ON, s, sizeof(s));
	CHECK(!strcmp(s, "nil"), "sidecar env: %s", s);

	call(L, "command", "{ mode = 'sidecar', pct = 2 }", T_ON, s, sizeof(s));
	CHECK(!strcmp(s, "/b/profilers/inject-sidecar --pct 2 --paused"), "sidecar: %s", s);
	call(L, "command", "{ mode = 'sidecar', pct = 2 }", T_NIL, s, sizeof(s));
	CHECK(!strcmp(s, "/b/profilers/inject-sidecar --pct 2"), "sidecar, process: %s", s);
	call(L, "command", "{ mode = 'spin', pct = 2 }", T_ON, s, sizeof(s));
	CHECK(!strcmp(s, "nil"), "spin has no command: %s", s);
	call(L, "ready", "{ mode = 'sidecar' }", "nil", s, sizeof(s));
	CHECK(strstr(s, "line=inject-sidecar: ready"), "sidecar ready: %s", s);
	lua_close(L);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(test_samplers_paused_by_signal);
	RUN(test_inject_by_page_and_signal);
	return CHECK_DONE();
}

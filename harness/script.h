/* script.h — Lua experiment scripts and adapters, turned into a plan.
 *
 * A script declares its options and its experiment as data (sysbench's way):
 *
 *   local o = options { blocks = { "blocks to run", 8, type = "integer", min = 2 } }
 *   experiment { workload = { "cpu", threads = 1 }, profilers = { {"off"}, {"perf", hz = {99, 999}} },
 *                blocks = o.blocks, warmup = 0.5, duration = 2 }
 *
 * Adapters in workloads/NAME.lua and profilers/NAME.lua say how to start, stop and recognise the
 * readiness of a program; they are called only while planning.  The Lua state is closed before
 * the first trial, so no Lua runs while anything is measured.  Planning is bounded in time and
 * memory (script.c, docs/adapters.md): a runaway script is a usage error, not a hang.
 */
#ifndef TARE_SCRIPT_H
#define TARE_SCRIPT_H

#include <stdio.h>

#include "plan.h"

/* Run SCRIPT with NAME=VALUE overrides and expand it into EX.  Returns 0, or an exit code after
 * printing one line: EXIT_USAGE for a bad script or option, or one past the planning bounds;
 * EXIT_CANNOT when an adapter the script needs cannot run here. */
int script_plan(const char *script, int nargs, char **args, struct experiment *ex);

/* `tare run SCRIPT --help`: the script's options, their defaults and descriptions. */
int script_describe(const char *script, FILE *out);

/* `tare list`: every adapter found, whether it can run here, and why not.  0, or EXIT_USAGE after
 * one line when an adapter exceeds the planning bounds. */
int script_list(FILE *out);

/* The command-line keys every experiment accepts without declaring them. */
extern const char *const script_core_keys[];

#endif

/* env.c — capture the machine's facts for results.json. */
#include "env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "perf_event.h"
#include "sysstat.h"
#include "util.h"

int env_has_pmu(char *why, size_t len)
{
	int e = perf_event_pmu_errno();
	if (!e) {
		snprintf(why, len, "cycles can be counted");
		return 1;
	}
	if (!perf_event_have_pmu())
		snprintf(why, len, "no hardware PMU (cycles: %s); software events only", strerror(e));
	else if (e == EACCES || e == EPERM)
		snprintf(why, len, "perf_event_open denied (%s): raise privileges or lower kernel.perf_event_paranoid", strerror(e));
	else
		snprintf(why, len, "cycles: %s", strerror(e));
	return 0;
}

char *env_cpuinfo_field(const char *name)
{
	char *s = read_file("/proc/cpuinfo", NULL), *p, *out = NULL;
	size_t n = strlen(name);
	if (!s)
		return NULL;
	for (p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, name, n) && (p[n] == ' ' || p[n] == '\t' || p[n] == ':')) {
			char *colon = strchr(p, ':');
			if (colon) {
				colon += colon[1] == ' ' ? 2 : 1;
				out = strndup(colon, strcspn(colon, "\n"));
			}
			break;
		}
	}
	free(s);
	return out;
}

static void set_line(json_t *o, const char *key, const char *path)
{
	char *s = read_line(path);
	if (s)
		json_object_set_new(o, key, json_string(s));
	free(s);
}

/* First line of a tool's --version, e.g. "perf version 6.1.192"; never blocks on input. */
static void set_tool(json_t *o, const char *key, const char *cmd)
{
	char *line = NULL, buf[256];
	FILE *f = popen(cmd, "r");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		line = buf;
	}
	pclose(f);
	if (line && *line)
		json_object_set_new(o, key, json_string(line));
}

json_t *env_capture(const struct cgroup_sys *cg)
{
	json_t *o = json_object(), *tools = json_object();
	struct utsname u;
	char why[256], host[256];
	char *model = env_cpuinfo_field("model name"), *flags = env_cpuinfo_field("flags");
	int pmu = env_has_pmu(why, sizeof(why));
	if (uname(&u) == 0) {
		json_object_set_new(o, "kernel", json_sprintf("%s %s", u.sysname, u.release));
		json_object_set_new(o, "kernel_build", json_string(u.version));
		json_object_set_new(o, "arch", json_string(u.machine));
	}
	if (gethostname(host, sizeof(host)) == 0)
		json_object_set_new(o, "hostname", json_string(host));
	json_object_set_new(o, "cpu_model", json_string(model ? model : "unknown"));
	json_object_set_new(o, "cpus_online", json_integer(ncpus_online()));
	json_object_set_new(o, "virtualized", json_boolean(flags && strstr(flags, " hypervisor")));
	json_object_set_new(o, "memory_total_bytes", json_integer((json_int_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE)));
	json_object_set_new(o, "pmu", json_boolean(pmu));
	json_object_set_new(o, "pmu_detail", json_string(why));
	set_line(o, "perf_event_paranoid", "/proc/sys/kernel/perf_event_paranoid");
	set_line(o, "perf_event_max_sample_rate", "/proc/sys/kernel/perf_event_max_sample_rate");
	set_line(o, "clocksource", "/sys/devices/system/clocksource/clocksource0/current_clocksource");
	set_line(o, "cpufreq_governor", "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
	set_line(o, "transparent_hugepage", "/sys/kernel/mm/transparent_hugepage/enabled");
	json_object_set_new(o, "cgroup_mode", json_string(cg->desc));
	json_object_set_new(o, "irq_time_accounting", json_boolean(sysstat_irq_time_accounted()));
	json_object_set_new(o, "btf", json_boolean(path_exists("/sys/kernel/btf/vmlinux")));
	json_object_set_new(o, "euid", json_integer((json_int_t)geteuid()));
	set_tool(tools, "perf", "perf --version 2>/dev/null");
	set_tool(tools, "gnuplot", "gnuplot --version 2>/dev/null");
	set_tool(tools, "cc", "cc --version 2>/dev/null");
	json_object_set_new(o, "tools", tools);
	free(model);
	free(flags);
	return o;
}

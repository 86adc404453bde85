/* hist_cmd.c — `tare hist` (see hist_cmd.h; the formats in hist_import.h). */
#include "hist_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "hist_import.h"
#include "util.h"

static const char hist_help[] =
	"usage: tare hist --from FORMAT --unit UNIT INPUT [-o OUT] [--hgrm]\n"
	"       tare hist FILE.hist [--hgrm] [-o OUT]\n"
	"\n"
	"Another load generator's latencies into tare's histogram (latency.hist), so tare's\n"
	"statistics can use them (docs/adapters.md, \"Bring your own load generator\"); or a\n"
	"histogram's summary.\n"
	"\n"
	"  --from FORMAT    text: one latency a line, \"VALUE [COUNT]\" (# comments, blank lines)\n"
	"                   hgrm: HdrHistogram's percentile distribution, \"Value Percentile\n"
	"                         TotalCount 1/(1-Percentile)\" (wrk2 --latency's \"Detailed\n"
	"                         Percentile spectrum\"); the first table, text around it skipped\n"
	"                   hlog: an HdrHistogram interval log (V2 compressed histograms),\n"
	"                         every interval summed\n"
	"  --unit UNIT      what the input's values are in: ns, us, ms or s (never guessed)\n"
	"  -o, --out OUT    write there (atomically) instead of to stdout\n"
	"  --hgrm           write the percentile distribution (µs) instead\n"
	"  -h, --help       this text\n"
	"\n"
	"INPUT or FILE \"-\" is stdin.  With --from, the output is a tare histogram file (1 ns ..\n"
	"60 s at 3 significant digits, as tare's own driver records); without it, FILE is one and\n"
	"tare hist prints its count, min, p50, p90, p99, p99.9 and max in µs.\n"
	"\n"
	"exit codes: 0 done, 1 the output could not be written, 2 bad usage or a bad input (one\n"
	"            line naming the file and the line)\n"
	"\n"
	"  wrk ... -s latencies.lua URL && tare hist --from text --unit us wrk-latency.txt -o latency.hist\n";

#define hist_usage(...) tare_usage("tare hist", "tare hist --help", __VA_ARGS__)

/* count, min, p50, p90, p99, p99.9, max: one "name value" line each, in µs. */
static void hist_print_summary(const struct hist *h, FILE *f)
{
	static const struct { const char *name; double p; } levels[] = {
		{ "p50_us", 50 }, { "p90_us", 90 }, { "p99_us", 99 }, { "p999_us", 99.9 },
	};
	fprintf(f, "%-9s %" PRIu64 "\n", "count", h->total);
	fprintf(f, "%-9s %.3f\n", "min_us", (double)h->min / 1e3);
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		fprintf(f, "%-9s %.3f\n", levels[i].name, (double)hist_percentile(h, levels[i].p) / 1e3);
	fprintf(f, "%-9s %.3f\n", "max_us", (double)h->max / 1e3);
	if (h->saturated)
		fprintf(f, "%-9s %" PRIu64 " (above %.0f s, counted there)\n", "saturated", h->saturated,
			(double)h->highest / 1e9);
}

/* A tare histogram file, "-" for stdin.  0, or -1 having said why. */
static int hist_read_tare(const char *path, struct hist *h)
{
	char why[512];
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		fprintf(stderr, "tare hist: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = hist_load(h, f, why, sizeof why);
	if (f != stdin)
		fclose(f);
	if (rc < 0) {
		/* hist_load says "line N: ...": make it FILE:N: like the importers */
		long line;
		int skip = 0;
		if (sscanf(why, "line %ld: %n", &line, &skip) == 1 && skip > 0)
			fprintf(stderr, "tare hist: %s:%ld: %s%s\n", path, line, why + skip,
				strstr(why, "not a tare-hist") ? " (another tool's output? convert it with --from)" : "");
		else
			fprintf(stderr, "tare hist: %s: %s\n", path, why);
		return -1;
	}
	if (h->total == 0) {
		fprintf(stderr, "tare hist: %s: an empty histogram (no latencies recorded)\n", path);
		hist_free(h);
		return -1;
	}
	return 0;
}

int hist_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "unit", required_argument, NULL, 'u' },
		{ "out", required_argument, NULL, 'o' },
		{ "hgrm", no_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *unit = NULL, *out_path = NULL, *input;
	enum hist_format fmt = HIST_FROM_TEXT;
	double ns_per_unit = 0;
	int c, hgrm = 0, rc;
	struct hist h;
	char err[512];

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 'u': unit = optarg; break;
		case 'o': out_path = optarg; break;
		case 'g': hgrm = 1; break;
		case 'h': fputs(hist_help, stdout); return 0;
		default:
			return hist_usage("unknown option or missing value '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return hist_usage("%s", optind >= argc ? "which input? one file (or - for stdin)"
							: "one input file at a time");
	input = argv[optind];
	if (from) {
		if (hist_format_parse(from, &fmt) < 0)
			return hist_usage("--from '%s': want text, hgrm or hlog", from);
		if (!unit)
			return hist_usage("%s", "--unit is missing: say what the input's values are in, ns, us, ms or s");
		if (!(ns_per_unit = hist_unit_ns(unit)))
			return hist_usage("--unit '%s': want ns, us, ms or s", unit);
	} else if (unit) {
		return hist_usage("%s", "--unit goes with --from (a tare histogram is in ns already)");
	}

	if (from) {
		FILE *in = strcmp(input, "-") ? fopen(input, "re") : stdin;
		if (!in) {
			fprintf(stderr, "tare hist: %s: %s\n", input, strerror(errno));
			return EXIT_USAGE;
		}
		rc = hist_import(in, strcmp(input, "-") ? input : "stdin", fmt, ns_per_unit, &h, err, sizeof err);
		if (in != stdin)
			fclose(in);
		if (rc < 0) {
			fprintf(stderr, "tare hist: %s\n", err);
			return EXIT_USAGE;
		}
	} else if (hist_read_tare(input, &h) < 0) {
		return EXIT_USAGE;
	}

	/* Into memory first: -o is written whole or not at all (a driver leaves latency.hist
	 * for tare to read; half a file would be a confusing error there). */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem) {
		hist_free(&h);
		fprintf(stderr, "tare hist: out of memory\n");
		return EXIT_FAIL;
	}
	if (hgrm)
		rc = hist_write_hgrm(&h, mem, 1e3, 5);
	else if (from)
		rc = hist_save(&h, mem);
	else {
		hist_print_summary(&h, mem);
		rc = 0;
	}
	hist_free(&h);
	if (fclose(mem) != 0 || rc < 0) {
		free(buf);
		fprintf(stderr, "tare hist: cannot format the output\n");
		return EXIT_FAIL;
	}
	if (out_path)
		rc = write_file_atomic(out_path, buf, len);
	else
		rc = fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : -1;
	free(buf);
	if (rc < 0) {
		fprintf(stderr, "tare hist: cannot write %s: %s\n", out_path ? out_path : "stdout", strerror(errno));
		return EXIT_FAIL;
	}
	return 0;
}

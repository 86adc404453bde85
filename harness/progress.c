/* progress.c — progress bar and per-trial lines on stderr. */
#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void progress_init(struct progress *p, int total, double trial_guess_s, int quiet)
{
	memset(p, 0, sizeof(*p));
	p->out = stderr;
	p->tty = isatty(fileno(stderr)) && !getenv("TARE_NO_TTY");
	p->quiet = quiet;
	p->total = total;
	p->trial_guess_s = trial_guess_s;
	p->started_ns = now_ns();
}

static double eta_s(const struct progress *p)
{
	double elapsed = (double)(now_ns() - p->started_ns) / 1e9;
	double per = p->done ? elapsed / p->done : p->trial_guess_s;
	return per * (p->total - p->done);
}

static void fmt_time(double s, char *buf, size_t len)
{
	int t = (int)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, len, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%d:%02d", t / 60, t % 60);
}

void progress_start(struct progress *p, int index, int block, int blocks, const char *label)
{
	char eta[32], bar[32];
	int width = 24, filled;
	if (p->quiet || !p->tty)
		return;
	filled = p->total ? width * p->done / p->total : 0;
	memset(bar, '#', (size_t)filled);
	memset(bar + filled, '.', (size_t)(width - filled));
	bar[width] = '\0';
	fmt_time(eta_s(p), eta, sizeof(eta));
	fprintf(p->out, "\r\033[K[%s] %d/%d  block %d/%d  %.40s  ETA %s", bar, index + 1, p->total, block + 1, blocks, label, eta);
	fflush(p->out);
}

void progress_done(struct progress *p, int index, int block, int blocks, const char *label, const char *outcome)
{
	p->done++;
	if (p->quiet)
		return;
	if (p->tty) {
		/* Only failures scroll; the bar redraws in place for the rest. */
		if (strncmp(outcome, "ok", 2))
			fprintf(p->out, "\r\033[Ktrial %d (block %d, %s): %s\n", index + 1, block + 1, label, outcome);
		return;
	}
	fprintf(p->out, "trial %d/%d  block %d/%d  %-28s %s\n", index + 1, p->total, block + 1, blocks, label, outcome);
	fflush(p->out);
}

void progress_clear(struct progress *p)
{
	if (p->tty && !p->quiet) {
		fprintf(p->out, "\r\033[K");
		fflush(p->out);
	}
}

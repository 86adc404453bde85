/* progress.h — what a long run shows while it works: a bar with an ETA on a terminal, one line
 * per trial otherwise (CI logs, pipes), like hyperfine and wrk do. */
#ifndef TARE_PROGRESS_H
#define TARE_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

struct progress {
	FILE *out;
	int tty;
	int quiet;
	int total, done;
	uint64_t started_ns;
	double trial_guess_s;    /* before the first trial finishes */
};

void progress_init(struct progress *p, int total, double trial_guess_s, int quiet);
void progress_start(struct progress *p, int index, int block, int blocks, const char *label);
void progress_done(struct progress *p, int index, int block, int blocks, const char *label, const char *outcome);
void progress_clear(struct progress *p);

#endif

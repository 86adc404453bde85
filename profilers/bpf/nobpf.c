/* nobpf.c — `tare sample --bpf` in a tare built without the eBPF sampler: the Makefile links
 * this instead of profile.c where it found no BTF (or no clang, bpftool or libbpf), and says why
 * (TARE_NO_BPF_REASON). */
#include <stdio.h>

#include "sample.h"
#include "util.h"

#ifndef TARE_NO_BPF_REASON
#define TARE_NO_BPF_REASON "not configured"
#endif

int sample_bpf_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tare sample: --bpf: this tare was built without the eBPF sampler (%s) — "
		"rebuild with make where BTF, clang, bpftool and libbpf are available\n",
		TARE_NO_BPF_REASON);
	return EXIT_CANNOT;
}

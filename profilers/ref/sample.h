/* sample.h — `tare sample`: the reference sampler's command line (docs/sampler.md). */
#ifndef TARE_REF_SAMPLE_H
#define TARE_REF_SAMPLE_H

/* argv[0] is "sample".  Returns the exit code: 0 done; 1 failed while sampling; 2 usage, or a
 * PID that does not exist; 3 cannot sample here (permission, no hardware PMU); with a command,
 * the command's own status (128+N when killed by signal N), 127 when it cannot be found and 126
 * when it cannot be run. */
int sample_main(int argc, char **argv);

/* `tare sample --bpf ...` (argv[1] is "--bpf"): the eBPF sampler, profilers/bpf/profile.c
 * (docs/bpf.md).  The same exit codes; 3 also when BPF cannot be loaded here, or this tare was
 * built without it. */
int sample_bpf_main(int argc, char **argv);

#endif

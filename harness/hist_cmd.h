/* hist_cmd.h — `tare hist`: a load generator's latencies (text, HdrHistogram's .hgrm or
 * interval log) into tare's histogram file, and a histogram file's summary or percentile
 * distribution.  The formats are read by hist_import.c. */
#ifndef TARE_HIST_CMD_H
#define TARE_HIST_CMD_H

/* argv[0] is "hist".  The exit code: 0, 1 (the output could not be written), 2 (bad usage or
 * a bad input, one line naming the file and line). */
int hist_main(int argc, char **argv);

#endif

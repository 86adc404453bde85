/* calibrate.h — `tare calibrate`: the noise floor, false-positive rate and detection power of
 * this machine, measured with an A/A pair and known injected overheads. */
#ifndef TARE_CALIBRATE_H
#define TARE_CALIBRATE_H

int calibrate_main(int argc, char **argv);

#endif

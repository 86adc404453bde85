# --help, --version, and the one-line errors of the command line itself.
. "$ROOT/tests/lib.sh"
expect_exit 0 "$TARE" --help
contains "usage: tare"; contains "run SCRIPT.lua"; contains "exit codes"
expect_exit 0 "$TARE" --version
contains "^tare "
expect_exit 2 "$TARE" frobnicate
one_line; contains "unknown command 'frobnicate'"
expect_exit 2 "$TARE" --bogus
one_line
expect_exit 2 "$TARE" run
one_line; contains "which script"
expect_exit 2 "$TARE" run "$T/missing.lua"
one_line; contains "no such script"
expect_exit 0 "$TARE" run "$ROOT/scripts/canary.lua" --help
contains "blocks"; contains "seed=N"
exit 0

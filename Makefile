# tare — build, test and benchmark.  `make V=1` shows the commands.
#
# Layout of the build tree (out of tree, under $(BUILD)):
#   build/tare                      the harness (harness/*.c linked with the sampler in profilers/ref/)
#   build/workloads/<name>          one program per workloads/<name>.c
#   build/profilers/libtare-inject.so, build/profilers/inject-sidecar
#   build/tests/test_<name>         one unit-test program per tests/unit/test_<name>.c

BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
# Frame pointers everywhere, leaf functions included (GCC drops them from leaves otherwise):
# workloads are profiled by frame-pointer unwinders, and so is tare.
TARE_CFLAGS := -std=gnu11 -Wall -Wextra -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -D_GNU_SOURCE -MMD -MP
PKGS    := lua5.4 jansson libelf libdw libprotobuf-c zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LIBS    := $(PKG_LIBS) -lpfm -lm -lpthread
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

.DELETE_ON_ERROR:
.PHONY: all test bench clean check-deps

# The reference sampler (profilers/ref/) is part of tare: `tare sample`, and profiler `ref`.
# profile.proto (pprof's) is compiled by protoc-c into build/gen/.
PROTO       := $(wildcard profilers/ref/*.proto)
PROTO_C     := $(PROTO:profilers/ref/%.proto=$(BUILD)/gen/%.pb-c.c)
PROTO_OBJ   := $(PROTO_C:%.c=%.o)
HARNESS_SRC := $(wildcard harness/*.c) $(wildcard profilers/ref/*.c)
HARNESS_OBJ := $(HARNESS_SRC:%.c=$(BUILD)/%.o) $(PROTO_OBJ)
LIB_OBJ     := $(filter-out $(BUILD)/harness/main.o,$(HARNESS_OBJ))

WORKLOAD_SRC := $(wildcard workloads/*.c)
WORKLOADS    := $(WORKLOAD_SRC:workloads/%.c=$(BUILD)/workloads/%)

PROFILER_BINS := $(BUILD)/profilers/libtare-inject.so $(BUILD)/profilers/inject-sidecar

TEST_SRC  := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

BENCH_SRC  := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

all: check-deps $(BUILD)/tare $(WORKLOADS) $(PROFILER_BINS)

# One clear line instead of a wall of "lua.h: No such file" when a library is missing.
check-deps:
	@pkg-config --exists $(PKGS) || { echo "tare: missing build dependencies ($(PKGS)); run scripts/setup.sh" >&2; exit 2; }

INCLUDES := -Iharness -Iworkloads -Iprofilers/ref -I$(BUILD)/gen

$(BUILD)/harness/%.o: harness/%.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TARE_CFLAGS) $(PKG_CFLAGS) $(INCLUDES) -c $< -o $@

$(BUILD)/profilers/ref/%.o: profilers/ref/%.c $(PROTO_C)
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TARE_CFLAGS) $(PKG_CFLAGS) $(INCLUDES) -c $< -o $@

# Generated sources are kept, not treated as intermediates make may delete.
.SECONDARY: $(PROTO_C)

$(BUILD)/gen/%.pb-c.c: profilers/ref/%.proto
	$(call msg,PROTOC,$<)
	@mkdir -p $(@D)
	$(Q)protoc-c --proto_path=profilers/ref --c_out=$(BUILD)/gen $<

$(BUILD)/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c
	$(call msg,CC,$<)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 -w $(PKG_CFLAGS) -c $< -o $@

# Rebuild version.o when `git describe` changes, not on every make.
$(shell mkdir -p $(BUILD); [ "$$(cat $(BUILD)/version.txt 2>/dev/null)" = "$(VERSION)" ] || echo "$(VERSION)" > $(BUILD)/version.txt)
$(BUILD)/harness/version.o: TARE_CFLAGS += -DTARE_VERSION='"$(VERSION)"'
$(BUILD)/harness/version.o: $(BUILD)/version.txt

$(BUILD)/tare: $(HARNESS_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LIBS)

# Workloads are one program per file; some compile in harness modules they share (listed here).
WL_EXTRA_replay := harness/hist.c harness/trace.c harness/util.c harness/version.c

.SECONDEXPANSION:
$(BUILD)/workloads/%: workloads/%.c workloads/tare_units.h $$(WL_EXTRA_$$*)
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TARE_CFLAGS) -Iworkloads -Iharness $< $(WL_EXTRA_$*) -o $@ -lpthread -lm

$(BUILD)/profilers/libtare-inject.so: profilers/inject/shim.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TARE_CFLAGS) -fPIC -shared $< -o $@ -lpthread -ldl -lrt

$(BUILD)/profilers/inject-sidecar: profilers/inject/sidecar.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TARE_CFLAGS) $< -o $@ -lm

$(BUILD)/tests/%: tests/unit/%.c tests/unit/check.h $(LIB_OBJ)
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TARE_CFLAGS) $(PKG_CFLAGS) $(INCLUDES) -Itests/unit $< $(LIB_OBJ) -o $@ $(LIBS)

$(BUILD)/bench/%: tests/bench/%.c $(LIB_OBJ)
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TARE_CFLAGS) $(PKG_CFLAGS) $(INCLUDES) -Itests/unit $< $(LIB_OBJ) -o $@ $(LIBS)

test: all $(TEST_BINS)
	@BUILD=$(abspath $(BUILD)) tests/run.sh

bench: all $(BENCH_BINS)
	@BUILD=$(abspath $(BUILD)) tests/bench/run.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

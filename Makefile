# tare — build, test and benchmark.  `make V=1` shows the commands.
#
# Layout of the build tree (out of tree, under $(BUILD)):
#   build/tare                      the harness (harness/*.c linked with the sampler in profilers/ref/
#                                   and common/)
#   build/workloads/<name>          one program per workloads/<name>.c (with the common/ objects it
#                                   uses, built again without sanitizers under build/subjects/)
#   build/workloads/goserver, build/workloads/pprof-scrape
#                                   the Go service and its pprof scraper (workloads/go/), when go is
#                                   installed
#   build/workloads/java/Server.class  the Java service (workloads/java/, when javac is installed)
#   build/profilers/libtare-inject.so, build/profilers/inject-sidecar
#   build/tests/test_<name>         one unit-test program per tests/unit/test_<name>.c
#   build/tests/prom-read           a tool the CLI cases run (TEST_TOOLS)

# Every CPU unless told otherwise (make -jN, or -j1): a build from a clean clone is part of the
# README's test command, and a serial one spends half a minute of it waiting.
ifeq ($(filter -j% --jobs%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
# Sanitizers for tare and its unit tests only (make sanitize): the workloads and the inject shim
# run under LD_PRELOAD and are the subjects, not the tool.
SAN     ?=
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
.PHONY: all test bench clean check-deps sanitize check-bpf go-programs FORCE

# The eBPF sampler (profilers/bpf/, `tare sample --bpf`, profiler ref-bpf) needs the kernel's
# BTF (for vmlinux.h), clang, bpftool and libbpf.  Where one is missing tare is built without
# it, make says why in one line, and `tare sample --bpf` exits 3 with that reason.
# `make BTF=/nonexistent` builds as a machine without BTF would.
BTF      ?= /sys/kernel/btf/vmlinux
CLANG    ?= clang
BPFTOOL  ?= $(or $(shell command -v bpftool 2>/dev/null),$(wildcard /usr/sbin/bpftool),bpftool)
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/')
NO_BPF   := $(if $(wildcard $(BTF)),,no BTF at $(BTF))
NO_BPF   := $(or $(NO_BPF),$(if $(shell command -v $(CLANG) 2>/dev/null),,no $(CLANG)))
NO_BPF   := $(or $(NO_BPF),$(if $(shell command -v $(BPFTOOL) 2>/dev/null),,no bpftool))
NO_BPF   := $(or $(NO_BPF),$(if $(shell pkg-config --exists libbpf && echo y),,no libbpf (libbpf-dev)))
ifeq ($(NO_BPF),)
BPF_SRC  := $(addprefix profilers/bpf/,profile.c profile_attach.c profile_ingest.c)
LIBS     += $(shell pkg-config --libs libbpf)
else
BPF_SRC  := profilers/bpf/nobpf.c
endif

# The reference sampler (profilers/ref/) is part of tare: `tare sample`, and profiler `ref`.
# profile.proto (pprof's) is compiled by protoc-c into build/gen/.
PROTO       := $(wildcard profilers/ref/*.proto)
PROTO_C     := $(PROTO:profilers/ref/%.proto=$(BUILD)/gen/%.pb-c.c)
PROTO_OBJ   := $(PROTO_C:%.c=%.o)
HARNESS_SRC := $(wildcard common/*.c) $(wildcard harness/*.c) $(wildcard profilers/ref/*.c) $(BPF_SRC)
HARNESS_OBJ := $(HARNESS_SRC:%.c=$(BUILD)/%.o) $(PROTO_OBJ)
LIB_OBJ     := $(filter-out $(BUILD)/harness/main.o,$(HARNESS_OBJ))

WORKLOAD_SRC := $(wildcard workloads/*.c)
WORKLOADS    := $(WORKLOAD_SRC:workloads/%.c=$(BUILD)/workloads/%)

PROFILER_BINS := $(BUILD)/profilers/libtare-inject.so $(BUILD)/profilers/inject-sidecar

TEST_SRC  := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Programs the CLI cases run that are not tests themselves (tests/run.sh runs test_* only):
# prom-read puts prom.h (harness/prom.c, prom_http.c) on the command line for tests/cli/prom.sh.
TEST_TOOLS := $(BUILD)/tests/prom-read

BENCH_SRC  := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

all: check-deps $(BUILD)/tare $(WORKLOADS) $(PROFILER_BINS) go-programs

# A build tree from before sources moved (harness/util.c to common/, profilers/ref/validate.c to
# harness/) keeps dependency files that name the old paths; make passes over a missing source
# instead of stopping with "No rule to make target", and the next compile rewrites them.
harness/%.c: ;
workloads/%.c: ;
profilers/%.c: ;

# One clear line instead of a wall of "lua.h: No such file" when a library is missing.
check-deps:
	@pkg-config --exists $(PKGS) || { echo "tare: missing build dependencies ($(PKGS)); run scripts/setup.sh" >&2; exit 2; }

# The layers, one way: common <- workloads, profilers <- harness.  Each folder's objects see
# only their own folder and the layers below it, so an include that points up does not compile.
#   common/           what all of them share (util, hist, the units page, the trace format and
#                     wire protocol, the workloads' command line, strict number parsers, the
#                     gated fork, perf_event, JSON helpers and field tables, procfs stat)
#   workloads/, profilers/inject/   the subjects: common/ only, and never harness sources
#   profilers/ref/, profilers/bpf/  the samplers: common/ (bpf also sees ref, its sibling)
#   harness/          on top: sees everything below it
# tests/unit and tests/bench see everything.
INC_COMMON  := -Icommon
INC_REF     := -Iprofilers/ref -Icommon -I$(BUILD)/gen
INC_BPF     := -Iprofilers/bpf -Iprofilers/ref -Icommon -I$(BUILD)/gen
INC_HARNESS := -Iharness -Icommon -Iprofilers/ref -Iprofilers/bpf -I$(BUILD)/gen
INC_TESTS   := $(INC_HARNESS) -Iworkloads -Iprofilers/inject -Itests/unit

$(BUILD)/common/%.o: common/%.c $(BUILD)/flags.txt
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(TARE_CFLAGS) $(PKG_CFLAGS) $(INC_COMMON) -c $< -o $@

$(BUILD)/harness/%.o: harness/%.c $(PROTO_C) $(BUILD)/flags.txt
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(TARE_CFLAGS) $(PKG_CFLAGS) $(INC_HARNESS) -c $< -o $@

$(BUILD)/profilers/ref/%.o: profilers/ref/%.c $(PROTO_C) $(BUILD)/flags.txt
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(TARE_CFLAGS) $(PKG_CFLAGS) $(INC_REF) -c $< -o $@

# Generated sources are kept, not treated as intermediates make may delete.
.SECONDARY: $(PROTO_C)

$(BUILD)/gen/%.pb-c.c: profilers/ref/%.proto
	$(call msg,PROTOC,$<)
	@mkdir -p $(@D)
	$(Q)protoc-c --proto_path=profilers/ref --c_out=$(BUILD)/gen $<

$(BUILD)/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c $(BUILD)/flags.txt
	$(call msg,CC,$<)
	$(Q)$(CC) $(CFLAGS) $(SAN) -std=gnu11 -w $(PKG_CFLAGS) -c $< -o $@

# The eBPF sampler: x.bpf.c -> x.bpf.o (clang, against vmlinux.h from the kernel's BTF) ->
# x.skel.h (bpftool), which the user side includes (profile.c, profile_attach.c and
# profile_ingest.c, through profile_int.h).  bpf.txt holds what was found, so switching between a
# build with and without it recompiles the one that is linked (and so relinks tare).
all: check-bpf
check-bpf:
	@$(if $(NO_BPF),echo "tare: building without the eBPF sampler: $(NO_BPF) (tare sample --bpf will exit 3)" >&2,true)
$(shell mkdir -p $(BUILD); [ "$$(cat $(BUILD)/bpf.txt 2>/dev/null)" = "$(or $(NO_BPF),bpf)" ] || echo "$(or $(NO_BPF),bpf)" > $(BUILD)/bpf.txt)
.SECONDARY: $(BUILD)/gen/vmlinux.h $(BUILD)/gen/profile.skel.h $(BUILD)/profilers/bpf/profile.bpf.o

$(BUILD)/gen/vmlinux.h: $(BTF)
	$(call msg,BTF,$@)
	@mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(BTF) format c > $@

$(BUILD)/profilers/bpf/%.bpf.o: profilers/bpf/%.bpf.c profilers/bpf/%.h $(BUILD)/gen/vmlinux.h
	$(call msg,BPF,$<)
	@mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -Wall -I$(BUILD)/gen -Iprofilers/bpf -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/profilers/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/profilers/bpf/%.o: profilers/bpf/%.c $(PROTO_C) $(BUILD)/bpf.txt $(BUILD)/flags.txt
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(TARE_CFLAGS) $(PKG_CFLAGS) $(INC_BPF) -c $< -o $@

$(filter-out %/nobpf.o,$(BPF_SRC:%.c=$(BUILD)/%.o)): $(BUILD)/gen/profile.skel.h
$(BUILD)/profilers/bpf/nobpf.o: TARE_CFLAGS += -DTARE_NO_BPF_REASON='"$(NO_BPF)"'

# Rebuild everything when the compiler or its flags change (make sanitize, CFLAGS=-O0): a tree
# built with other flags would otherwise keep its old objects (workloads built with ASan, say).
# A recipe, not a parse-time $(shell), so `make -n CFLAGS=...` does not rewrite the stamp; it
# runs every time and touches the file only when the flags differ (git's GIT-CFLAGS).
FLAGS := $(CC) $(CFLAGS) | $(SAN) | $(TARE_CFLAGS)
$(BUILD)/flags.txt: FORCE
	@mkdir -p $(@D); [ "$$(cat $@ 2>/dev/null)" = '$(FLAGS)' ] || echo '$(FLAGS)' > $@
FORCE:

# Rebuild version.o when `git describe` changes, not on every make.
$(shell mkdir -p $(BUILD); [ "$$(cat $(BUILD)/version.txt 2>/dev/null)" = "$(VERSION)" ] || echo "$(VERSION)" > $(BUILD)/version.txt)
$(BUILD)/common/version.o: TARE_CFLAGS += -DTARE_VERSION='"$(VERSION)"'
$(BUILD)/common/version.o: $(BUILD)/version.txt

$(BUILD)/tare: $(HARNESS_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ $(LIBS)

# Workloads are one program per file; some link common/ objects (listed here), built for the
# subjects: without the sanitizers, like the workloads themselves.
WL_COMMON_replay := hist trace_format util
SUBJECT_OBJ = $(foreach o,$(WL_COMMON_$*),$(BUILD)/subjects/common/$(o).o)
.SECONDARY: $(patsubst common/%.c,$(BUILD)/subjects/common/%.o,$(wildcard common/*.c))

$(BUILD)/subjects/common/%.o: common/%.c $(BUILD)/flags.txt
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TARE_CFLAGS) $(INC_COMMON) -c $< -o $@

.SECONDEXPANSION:
$(BUILD)/workloads/%: workloads/%.c $$(SUBJECT_OBJ) $(BUILD)/flags.txt
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TARE_CFLAGS) -Iworkloads $(INC_COMMON) $< $(SUBJECT_OBJ) -o $@ -lpthread -lm

# The Go programs (workloads/go/, one module, standard library only): the Go service
# (goserver) and the scraper of its pprof endpoint (pprof-scrape), built with Debian's golang-go
# offline: the module cache and build cache under $(BUILD)/go, nothing fetched, nothing written
# to $HOME.  Without go they are skipped with one line, and the go adapters say so.
GO       ?= go
GO_SRC   := workloads/go/go.mod $(wildcard workloads/go/*/*.go)
GO_ENV   := GOCACHE=$(abspath $(BUILD))/go/cache GOPATH=$(abspath $(BUILD))/go/path GOPROXY=off \
            GOTOOLCHAIN=local GOFLAGS= GO111MODULE=on CGO_ENABLED=0
ifneq ($(shell command -v $(GO) 2>/dev/null),)
go-programs: $(BUILD)/workloads/goserver $(BUILD)/workloads/pprof-scrape
else
go-programs:
	@echo "tare: building without the Go service and scraper: go is not installed (apt-get install golang-go)" >&2
endif

$(BUILD)/workloads/goserver: $(GO_SRC)
	$(call msg,GO,$@)
	@mkdir -p $(@D)
	$(Q)cd workloads/go && $(GO_ENV) $(GO) build -o $(abspath $@) ./goserver

$(BUILD)/workloads/pprof-scrape: $(GO_SRC)
	$(call msg,GO,$@)
	@mkdir -p $(@D)
	$(Q)cd workloads/go && $(GO_ENV) $(GO) build -o $(abspath $@) ./scrape
# The Java service (workloads/java.lua): compiled with the JDK's javac when there is one, skipped
# in one line otherwise (the workload then says what to install).  -nowarn and
# -XDignore.symbol.file: Server uses sun.misc.Signal (to exit 0 on SIGTERM), which javac warns about.
JAVAC   ?= javac
NO_JAVA := $(if $(shell command -v $(JAVAC) 2>/dev/null),,no $(JAVAC))
JAVA_CLASSES := $(patsubst workloads/java/%.java,$(BUILD)/workloads/java/%.class,$(wildcard workloads/java/*.java))
.PHONY: java
all: java
ifeq ($(NO_JAVA),)
java: $(JAVA_CLASSES)
else
java:
	@echo "tare: skipping the Java workload: $(NO_JAVA) (apt-get install openjdk-17-jdk-headless)" >&2
endif

$(BUILD)/workloads/java/%.class: workloads/java/%.java
	$(call msg,JAVAC,$<)
	@mkdir -p $(@D)
	$(Q)$(JAVAC) -nowarn -XDignore.symbol.file -d $(@D) $<

$(BUILD)/profilers/libtare-inject.so: profilers/inject/shim.c $(BUILD)/flags.txt
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TARE_CFLAGS) -Iprofilers/inject $(INC_COMMON) -fPIC -shared $< -o $@ -lpthread -ldl -lrt

$(BUILD)/profilers/inject-sidecar: profilers/inject/sidecar.c $(BUILD)/flags.txt
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TARE_CFLAGS) -Iprofilers/inject $(INC_COMMON) $< -o $@ -lm

$(BUILD)/tests/%: tests/unit/%.c tests/unit/check.h $(LIB_OBJ) $(BUILD)/flags.txt
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(TARE_CFLAGS) $(PKG_CFLAGS) $(INC_TESTS) $< $(LIB_OBJ) -o $@ $(LIBS)

$(BUILD)/bench/%: tests/bench/%.c $(LIB_OBJ) $(BUILD)/flags.txt
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(TARE_CFLAGS) $(PKG_CFLAGS) $(INC_TESTS) $< $(LIB_OBJ) -o $@ $(LIBS)

test: all $(TEST_BINS) $(TEST_TOOLS)
	@BUILD=$(abspath $(BUILD)) tests/run.sh

bench: all $(BENCH_BINS)
	@BUILD=$(abspath $(BUILD)) tests/bench/run.sh

# AddressSanitizer and UBSan: the whole build in build-asan/, then the unit tests and CLI cases.
sanitize:
	@TARE_SANITIZED=1 $(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" test

clean:
	rm -rf $(BUILD) build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

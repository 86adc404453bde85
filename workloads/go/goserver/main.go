// goserver — tare's Go HTTP service: a known CPU split across named functions, served over
// HTTP/1.1 to tare's open-loop driver (replay --http), so one service serves both overhead and
// accuracy.  Standard library only, so it builds offline with Debian's golang-go.
//
// Each request to / runs
//
//	handle -> work -> cpuHot, cpuWarm, cpuCold     (70/20/10 of --work-us)
//
// where each function runs the same arithmetic kernel for its share of a calibrated number of
// iterations (iterations per µs of this thread's CPU, measured at start as workloads/server.c
// does), then answers a fixed body with a Content-Length.  Iterations are counted, not
// timed, so the split is exact in work and, the kernel being the same, in CPU time.
//
// With --pprof (the default) net/http/pprof's handlers are on the same mux: a scraper
// (profilers/go-pprof-scrape.lua, Alloy's pyroscope.scrape) pulls /debug/pprof/profile?seconds=N.
// With TARE_GO_PPROF_DIR set the service profiles itself (profilers/go-pprof.lua, push-style as
// Pyroscope's Go SDK does): runtime/pprof's CPU profile into DIR/cpu-NNNN.pb.gz, a new file
// every TARE_GO_PPROF_SECONDS (default 10) and the last one at exit.  With TARE_GO_PPROF_TOGGLE=1
// as well (tare's switchback design) it starts paused, and each SIGUSR2 starts or stops it: a
// stretch of on windows writes its own files.
//
// SIGTERM or SIGINT: stop accepting, finish the requests in flight, write the last profile,
// exit 0.  A failure to start is one line on stderr and exit 1 (2 for a bad argument).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	rpprof "runtime/pprof"
	"sort"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

// The split: each function's share of a request's work, in percent.
const (
	hotPct  = 70
	warmPct = 20
	coldPct = 10
)

// iterations of kernel per µs of CPU, from calibrate()
var iterationsPerUs float64

// kernel is the arithmetic every part runs: a xorshift-multiply chain the compiler cannot fold.
//
//go:noinline
func kernel(x uint64, n uint64) uint64 {
	for i := uint64(0); i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		x *= 0x2545F4914F6CDD1D
	}
	return x
}

//go:noinline
func cpuHot(x, n uint64) uint64 { return kernel(x, n) }

//go:noinline
func cpuWarm(x, n uint64) uint64 { return kernel(x+1, n) }

//go:noinline
func cpuCold(x, n uint64) uint64 { return kernel(x+2, n) }

// work spends workUs of CPU across the three parts; the result is kept so nothing is elided.
//
//go:noinline
func work(workUs int) uint64 {
	total := uint64(float64(workUs) * iterationsPerUs)
	x := uint64(0x9e3779b97f4a7c15)
	x = cpuHot(x, total*hotPct/100)
	x = cpuWarm(x, total*warmPct/100)
	x = cpuCold(x, total*coldPct/100)
	return x
}

// threadCPUNs reads CLOCK_THREAD_CPUTIME_ID of the calling OS thread (the goroutine is locked
// to it while calibrating); the standard library has no wrapper for it.
func threadCPUNs() int64 {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// calibrate sets iterationsPerUs: the median of a few rounds of the kernel timed on this
// thread's CPU clock, so one interrupted round does not skew it.
func calibrate() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const rounds, n = 7, 2000000
	x := kernel(1, n) // warm up: ramp the clock
	r := make([]float64, rounds)
	for i := range r {
		t0 := threadCPUNs()
		x = kernel(x, n)
		dt := threadCPUNs() - t0
		if dt <= 0 {
			dt = 1
		}
		r[i] = n / (float64(dt) / 1000)
	}
	sort.Float64s(r)
	iterationsPerUs = r[rounds/2]
	sink = x
}

var sink uint64

// selfProfile writes rotating CPU profiles into dir until ctx ends, then the last one; it
// reports its end on done.  With toggle non-nil it starts paused, and each receive on toggle
// starts or stops it (a stopped profile is written at once).
func selfProfile(ctx context.Context, dir string, every time.Duration, toggle <-chan os.Signal, done chan<- error) {
	n := 0
	var f *os.File // the profile being written; nil while paused
	start := func() error {
		n++
		var err error
		if f, err = os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%04d.pb.gz", n))); err != nil {
			return err
		}
		if err := rpprof.StartCPUProfile(f); err != nil {
			f.Close()
			f = nil
			return err
		}
		return nil
	}
	stop := func() error {
		if f == nil {
			return nil
		}
		rpprof.StopCPUProfile()
		err := f.Close()
		f = nil
		return err
	}
	if toggle == nil {
		if err := start(); err != nil {
			done <- err
			return
		}
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			done <- stop()
			return
		case <-toggle:
			if f != nil {
				err = stop()
			} else {
				err = start()
				tick.Reset(every)
			}
		case <-tick.C:
			if f != nil {
				if err = stop(); err == nil {
					err = start()
				}
			}
		}
		if err != nil {
			done <- err
			return
		}
	}
}

func fatal(code int, format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "goserver: "+format+"\n", a...)
	os.Exit(code)
}

func main() {
	port := flag.Int("port", 0, "port on 127.0.0.1 (0: the kernel picks one; see --port-file)")
	portFile := flag.String("port-file", "", "once listening, write the port to this file")
	workUs := flag.Int("work-us", 200, "CPU work per request in µs, split 70/20/10 across cpuHot, cpuWarm, cpuCold")
	bodyBytes := flag.Int("body-bytes", 512, "bytes of the response body")
	withPprof := flag.Bool("pprof", true, "serve net/http/pprof's /debug/pprof/ on the same mux")
	flag.CommandLine.SetOutput(os.Stderr)
	flag.Parse()
	if flag.NArg() > 0 {
		fatal(2, "unexpected argument '%s' (try --help)", flag.Arg(0))
	}
	if *port < 0 || *port > 65535 || *workUs < 0 || *bodyBytes < 0 {
		fatal(2, "--port, --work-us and --body-bytes must be non-negative (port at most 65535)")
	}

	calibrate()
	body := make([]byte, *bodyBytes)
	for i := range body {
		body[i] = 'x'
	}
	length := strconv.Itoa(len(body))

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		sink ^= work(*workUs) // a racy store of a junk value: keeps the work, costs nothing
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", length)
		w.Write(body)
	})
	if *withPprof {
		// what importing net/http/pprof registers on http.DefaultServeMux, on this mux
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()

	// self-profiling starts before the port opens, so the service is profiled from its first
	// request (tare's ready is the port)
	var profDone chan error
	if dir := os.Getenv("TARE_GO_PPROF_DIR"); dir != "" {
		every := 10 * time.Second
		if s := os.Getenv("TARE_GO_PPROF_SECONDS"); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || v <= 0 {
				fatal(2, "TARE_GO_PPROF_SECONDS='%s' is not a positive number of seconds", s)
			}
			every = time.Duration(v * float64(time.Second))
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fatal(1, "TARE_GO_PPROF_DIR: %v", err)
		}
		var toggle chan os.Signal
		if os.Getenv("TARE_GO_PPROF_TOGGLE") == "1" {
			toggle = make(chan os.Signal, 4)
			signal.Notify(toggle, syscall.SIGUSR2)
		}
		profDone = make(chan error, 1)
		go selfProfile(ctx, dir, every, toggle, profDone)
	}

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		fatal(1, "listen on 127.0.0.1:%d: %v", *port, err)
	}
	if *portFile != "" {
		p := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		tmp := *portFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(p+"\n"), 0o644); err != nil {
			fatal(1, "--port-file: %v", err)
		}
		if err := os.Rename(tmp, *portFile); err != nil {
			fatal(1, "--port-file: %v", err)
		}
	}
	// every request's context ends with the service, so a CPU profile in flight (seconds=N)
	// stops early and is sent, rather than holding the shutdown for the rest of its N s
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		fatal(1, "serve: %v", err)
	case <-ctx.Done():
	}
	shut, cancelShut := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShut()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		fatal(1, "shutdown: %v", err)
	}
	if profDone != nil {
		if err := <-profDone; err != nil {
			fatal(1, "self-profile into %s: %v", os.Getenv("TARE_GO_PPROF_DIR"), err)
		}
	}
}

// pprof-scrape — what Alloy's pyroscope.scrape does to a Go service, as a process of its own so
// that its CPU and memory are what scraping costs: every --interval seconds it fetches each asked
// profile from the service's net/http/pprof endpoint and keeps it, one file per scrape, in --dir.
//
//	cpu        /debug/pprof/profile?seconds=N  Alloy's process_cpu: a delta profile, taken over
//	                                            N = interval - 1 s (target.go: scrape_interval/1s - 1)
//	heap, allocs, goroutine, mutex, block       /debug/pprof/NAME, instantaneous (Alloy's memory
//	                                            is allocs; it takes the deltas itself)
//
// Each profile type has its own loop, as each is a target of its own in Alloy.  The first
// fetch starts at once (Alloy waits a per-target offset, a hash of the target, to spread many
// targets over the interval; with one target that is only a delay).
//
// The first fetch of each type must succeed: a service without pprof (404) or an answer that is
// not a gzip'd profile is one line on stderr and exit 3.  Later failures are counted, as Alloy
// counts them, and the loop goes on.  SIGTERM or SIGINT abandons the fetches in flight (a CPU
// profile cut short is not kept, as when Alloy stops) and writes --dir/scrape.json:
//
//	{"profiles":N,"bytes":B,"samples":S,"errors":E}
//
// samples: the CPU samples in the kept cpu profiles (the sum of each sample's first value).
//
// pprof-scrape --count DIR prints the same line for the cpu-*.pb.gz files in DIR (a service that
// profiles itself: profilers/go-pprof.lua) and exits.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

type stats struct {
	Profiles int   `json:"profiles"`
	Bytes    int64 `json:"bytes"`
	Samples  int64 `json:"samples"`
	Errors   int   `json:"errors"`
}

var paths = map[string]string{
	"cpu":       "/debug/pprof/profile",
	"heap":      "/debug/pprof/heap",
	"allocs":    "/debug/pprof/allocs",
	"goroutine": "/debug/pprof/goroutine",
	"mutex":     "/debug/pprof/mutex",
	"block":     "/debug/pprof/block",
}

func fatal(code int, format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "pprof-scrape: "+format+"\n", a...)
	os.Exit(code)
}

// varint reads a protobuf varint from b at i; ok is false when b ends first.
func varint(b []byte, i int) (v uint64, n int, ok bool) {
	for s := uint(0); i+n < len(b) && s < 64; s += 7 {
		c := b[i+n]
		n++
		v |= uint64(c&0x7f) << s
		if c < 0x80 {
			return v, n, true
		}
	}
	return 0, 0, false
}

// fields calls f for each field of the protobuf message b: its number, wire type, and its
// varint value or its bytes (wire type 2).
func fields(b []byte, f func(num uint64, wire uint64, v uint64, data []byte) error) error {
	for i := 0; i < len(b); {
		key, n, ok := varint(b, i)
		if !ok {
			return errors.New("truncated field key")
		}
		i += n
		num, wire := key>>3, key&7
		switch wire {
		case 0:
			v, n, ok := varint(b, i)
			if !ok {
				return errors.New("truncated varint")
			}
			i += n
			if err := f(num, wire, v, nil); err != nil {
				return err
			}
		case 1:
			i += 8
		case 5:
			i += 4
		case 2:
			l, n, ok := varint(b, i)
			if !ok || uint64(len(b)-i-n) < l {
				return errors.New("truncated length-delimited field")
			}
			i += n
			if err := f(num, wire, 0, b[i:i+int(l)]); err != nil {
				return err
			}
			i += int(l)
		default:
			return fmt.Errorf("wire type %d", wire)
		}
	}
	return nil
}

// samples sums the first value of every Sample (Profile field 2, its values field 2, packed or
// not) of a gzip'd pprof profile: for a CPU profile, the number of samples taken.
func samples(gz []byte) (int64, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return 0, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return 0, err
	}
	var total int64
	err = fields(raw, func(num, wire, _ uint64, data []byte) error {
		if num != 2 || wire != 2 {
			return nil
		}
		first := true
		return fields(data, func(num, wire, v uint64, packed []byte) error {
			if num != 2 || !first {
				return nil
			}
			first = false
			if wire == 2 {
				v, _, _ = varint(packed, 0)
			}
			total += int64(v)
			return nil
		})
	})
	return total, err
}

// count is --count DIR: the line of stats over DIR/cpu-*.pb.gz.
func count(dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "cpu-*.pb.gz"))
	var st stats
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fatal(1, "%v", err)
		}
		if len(b) == 0 {
			continue // a profile the service never finished (killed)
		}
		n, err := samples(b)
		if err != nil {
			fatal(1, "%s: not a pprof profile: %v", f, err)
		}
		st.Profiles++
		st.Bytes += int64(len(b))
		st.Samples += n
	}
	out, _ := json.Marshal(st)
	fmt.Println(string(out))
}

type scraper struct {
	base     string
	dir      string
	seconds  int
	interval time.Duration
	client   *http.Client

	mu sync.Mutex
	st stats
}

// fetch takes one profile of kind; a nil error and the body, or why not.
func (s *scraper) fetch(ctx context.Context, kind string) ([]byte, string, error) {
	url := s.base + paths[kind]
	timeout := 10 * time.Second
	if kind == "cpu" {
		url += fmt.Sprintf("?seconds=%d", s.seconds)
		timeout += time.Duration(s.seconds) * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, url, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, url, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, url, err
	}
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 80 {
			msg = msg[:80]
		}
		return nil, url, fmt.Errorf("%s (%s)", resp.Status, msg)
	}
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		return nil, url, errors.New("the answer is not a gzip'd pprof profile")
	}
	return body, url, nil
}

// loop scrapes kind every interval until ctx ends.
func (s *scraper) loop(ctx context.Context, kind string) {
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	for n := 1; ; n++ {
		begun := time.Now()
		body, url, err := s.fetch(ctx, kind)
		if ctx.Err() != nil {
			// stopping: a fetch cut short is not kept; say so, or a run that kept nothing
			// would not say why
			if err != nil {
				fmt.Fprintf(os.Stderr, "pprof-scrape: stopped %.1f s into %s: not kept\n",
					time.Since(begun).Seconds(), url)
			}
			return
		}
		if err != nil {
			if n == 1 {
				hint := ""
				if strings.HasPrefix(err.Error(), "404") {
					hint = ": does the service import net/http/pprof?"
				}
				fatal(3, "%s: %v%s", url, err, hint)
			}
			fmt.Fprintf(os.Stderr, "pprof-scrape: %s: %v\n", url, err)
			s.mu.Lock()
			s.st.Errors++
			s.mu.Unlock()
		} else {
			var smp int64
			if kind == "cpu" {
				if smp, err = samples(body); err != nil {
					fatal(3, "%s: not a pprof profile: %v", url, err)
				}
			}
			name := filepath.Join(s.dir, fmt.Sprintf("%s-%04d.pb.gz", kind, n))
			if err := os.WriteFile(name, body, 0o644); err != nil {
				fatal(1, "%v", err)
			}
			s.mu.Lock()
			s.st.Profiles++
			s.st.Bytes += int64(len(body))
			s.st.Samples += smp
			s.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func main() {
	port := flag.Int("port", 0, "the service's port on 127.0.0.1")
	dir := flag.String("dir", ".", "where the profiles and scrape.json go")
	interval := flag.Float64("interval", 15, "seconds between scrapes (Alloy's scrape_interval)")
	seconds := flag.Int("seconds", 0, "length of each CPU profile, whole seconds (0: interval - 1, as Alloy)")
	profiles := flag.String("profiles", "cpu", "profile types, comma-separated: cpu, heap, allocs, goroutine, mutex, block")
	countDir := flag.String("count", "", "print the stats of the cpu-*.pb.gz files in this directory and exit")
	flag.Parse()
	if *countDir != "" {
		count(*countDir)
		return
	}
	if flag.NArg() > 0 {
		fatal(2, "unexpected argument '%s' (try --help)", flag.Arg(0))
	}
	if *port <= 0 || *port > 65535 {
		fatal(2, "--port must be a port number, got %d", *port)
	}
	if *interval < 1 {
		fatal(2, "--interval must be at least 1 s, got %g", *interval)
	}
	if *seconds == 0 {
		*seconds = int(*interval) - 1
	}
	if *seconds < 1 {
		fatal(2, "--seconds must be at least 1 (with --interval %g, give it)", *interval)
	}
	var kinds []string
	for _, k := range strings.Split(*profiles, ",") {
		if _, ok := paths[k]; !ok {
			fatal(2, "--profiles: unknown profile type '%s' (cpu, heap, allocs, goroutine, mutex, block)", k)
		}
		kinds = append(kinds, k)
	}

	s := &scraper{base: fmt.Sprintf("http://127.0.0.1:%d", *port), dir: *dir, seconds: *seconds,
		interval: time.Duration(*interval * float64(time.Second)), client: &http.Client{}}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var wg sync.WaitGroup
	for _, k := range kinds {
		wg.Add(1)
		go func(k string) { defer wg.Done(); s.loop(ctx, k) }(k)
	}
	wg.Wait()
	out, _ := json.Marshal(s.st)
	if err := os.WriteFile(filepath.Join(*dir, "scrape.json"), append(out, '\n'), 0o644); err != nil {
		fatal(1, "%v", err)
	}
}

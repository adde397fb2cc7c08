// Command startup measures how long userpoold takes from being started to
// answering 200 on /health, and its resident memory once it does.
//
// Each run starts the binary on a free loopback port with a new data
// directory (a first start: the SQLite database is created and migrated,
// the master key generated), stops it with SIGTERM, then starts it again on
// the same directory (a restart). The time is taken from just before the
// process is started until the first 200 from /health, which is polled
// every millisecond. It prints the binary's size and the median, fastest
// and slowest of each kind of start.
//
//	go run ./bench/startup -bin dist/userpoold-linux-amd64 -n 10
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "", "userpoold binary (default: build ./cmd/userpoold)")
	n := flag.Int("n", 10, "runs (each a first start and a restart)")
	extra := flag.String("args", "", "more userpoold flags, space-separated")
	flag.Parse()
	if err := run(*bin, *n, strings.Fields(*extra), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}

func run(bin string, n int, extra []string, stdout io.Writer) error {
	tmp, err := os.MkdirTemp("", "userpoold-startup")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "userpoold")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./cmd/userpoold")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	fi, err := os.Stat(bin)
	if err != nil {
		return err
	}
	var first, restart []time.Duration
	var rss []int64
	for i := range n {
		data := filepath.Join(tmp, "data"+strconv.Itoa(i))
		d, _, err := start(bin, data, extra)
		if err != nil {
			return fmt.Errorf("first start: %w", err)
		}
		first = append(first, d)
		d, kb, err := start(bin, data, extra)
		if err != nil {
			return fmt.Errorf("restart: %w", err)
		}
		restart = append(restart, d)
		if kb > 0 {
			rss = append(rss, kb)
		}
	}
	fmt.Fprintf(stdout, "binary %s: %.1f MiB\n", bin, float64(fi.Size())/(1<<20))
	fmt.Fprintf(stdout, "first start to a healthy /health (new data directory): %s\n", stats(first))
	fmt.Fprintf(stdout, "restart to a healthy /health (existing data directory): %s\n", stats(restart))
	if len(rss) > 0 {
		slices.Sort(rss)
		fmt.Fprintf(stdout, "resident memory once healthy: %.1f MiB (median)\n", float64(rss[len(rss)/2])/1024)
	}
	return nil
}

// start runs bin until /health answers 200 and returns how long that took
// and the process's resident memory then (in KiB, 0 when unknown), then
// stops it with SIGTERM.
func start(bin, data string, extra []string) (time.Duration, int64, error) {
	addr, err := freeAddr()
	if err != nil {
		return 0, 0, err
	}
	args := append([]string{"--addr", addr, "--data", data, "--log-level", "warn"}, extra...)
	cmd := exec.Command(bin, args...)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	hc := &http.Client{Timeout: time.Second}
	url := "http://" + addr + "/health"
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}()
	for time.Since(t0) < 30*time.Second {
		select {
		case err := <-exited:
			exited <- err
			return 0, 0, fmt.Errorf("userpoold exited (%v):\n%s", err, logs.String())
		default:
		}
		resp, err := hc.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(t0), rssKiB(cmd.Process.Pid), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0, 0, errors.New("no healthy /health within 30 s:\n" + logs.String())
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// rssKiB reads VmRSS from /proc (Linux); 0 elsewhere.
func rssKiB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

// stats renders the median, fastest and slowest of ds.
func stats(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	ms := func(d time.Duration) string {
		return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
	}
	return fmt.Sprintf("median %s (fastest %s, slowest %s, %d runs)", ms(s[len(s)/2]), ms(s[0]), ms(s[len(s)-1]), len(s))
}

// Command parsebench measures the aggregate report decoder against the
// encoding/xml baseline on a generated report, and the peak memory of
// "parse-dmarc parse" on the same report end to end. make bench runs it;
// the README's performance section quotes its output.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

func main() {
	records := flag.Int("records", 100_000, "records in the generated report")
	runs := flag.Int("runs", 5, "timed runs of each decoder; the best is reported")
	flag.Parse()
	if err := run(*records, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "parsebench:", err)
		os.Exit(1)
	}
}

func run(records, runs int) error {
	dir, err := os.MkdirTemp("", "parsebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "report.xml")
	if err := writeReport(path, records); err != nil {
		return err
	}

	// Peak RSS first, while this process is still small: on Linux a child
	// started by os/exec (vfork) inherits the parent's high-water mark at
	// exec, so measuring after loading the report would report ours.
	rss, elapsed, err := parseRSS(dir, path)
	if err != nil {
		return fmt.Errorf("parse-dmarc parse: %w", err)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	mb := float64(len(data)) / (1 << 20)
	fmt.Printf("report: %d records, %.1f MiB of XML\n", records, mb)
	ours, err := best(runs, func() error { return decode(data, records) })
	if err != nil {
		return fmt.Errorf("decoder: %w", err)
	}
	std, err := best(max(1, runs/2), func() error {
		n, err := synth.DecodeStd(bytes.NewReader(data))
		if err == nil && n != records {
			err = fmt.Errorf("%d records", n)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("encoding/xml: %w", err)
	}
	fmt.Printf("streaming decoder: %8.1f ms  %6.1f MiB/s\n", ms(ours), mb/ours.Seconds())
	fmt.Printf("encoding/xml:      %8.1f ms  %6.1f MiB/s\n", ms(std), mb/std.Seconds())
	fmt.Printf("ratio: %.1fx faster than encoding/xml struct decoding (goal: at least 10x)\n", std.Seconds()/ours.Seconds())
	fmt.Printf("parse-dmarc parse, end to end: %.0f ms, peak RSS %.1f MiB (goal: under 64 MiB)\n", ms(elapsed), float64(rss)/(1<<20))
	return nil
}

// writeReport streams a generated report to a file.
func writeReport(path string, records int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := synth.Write(f, synth.Options{Records: records, Seed: 7}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func decode(data []byte, want int) error {
	d := aggregate.NewDecoder(bytes.NewReader(data), aggregate.Options{})
	if _, err := d.Header(); err != nil {
		return err
	}
	n := 0
	for {
		_, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		n++
	}
	if n != want {
		return fmt.Errorf("%d records, want %d", n, want)
	}
	return nil
}

// best returns the shortest of n runs.
func best(n int, f func() error) (time.Duration, error) {
	var min time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		if d := time.Since(start); i == 0 || d < min {
			min = d
		}
	}
	return min, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// parseRSS builds parse-dmarc into dir, runs "parse-dmarc parse" on the
// report and returns the child's peak resident set size in bytes.
func parseRSS(dir, report string) (int64, time.Duration, error) {
	bin := filepath.Join(dir, "parse-dmarc")
	build := exec.Command("go", "build", "-o", bin, "./cmd/parse-dmarc")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return 0, 0, fmt.Errorf("build: %w", err)
	}
	cmd := exec.Command(bin, "parse", report)
	cmd.Stdout = io.Discard
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, err
	}
	elapsed := time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0, errors.New("no resource usage on this platform")
	}
	return ru.Maxrss * 1024, elapsed, nil // Linux reports KiB
}

// Command dnstestd runs the loopback DNS server of package dnstest outside
// Go tests, for the dashboard's browser tests: serve --dns-resolver points
// the binary at it.
//
// Usage: dnstestd ZONEFILE
//
// It prints "dnstestd addr=127.0.0.1:PORT" once it answers, then reads
// standard input: each line is a record in master file format added to
// the zone (so a test can change the zone between two checks), and the end
// of input, or SIGINT or SIGTERM, stops it.
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck/dnstest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dnstestd ZONEFILE")
		os.Exit(2)
	}
	zone, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "dnstestd:", err)
		os.Exit(1)
	}
	srv, err := dnstest.Start(string(zone))
	if err != nil {
		fmt.Fprintln(os.Stderr, "dnstestd:", err)
		os.Exit(1)
	}
	defer srv.Close()
	fmt.Printf("dnstestd addr=%s\n", srv.Addr)

	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if err := srv.AddZone(sc.Text()); err != nil {
				fmt.Fprintln(os.Stderr, "dnstestd:", err)
				continue
			}
			fmt.Println("dnstestd added")
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-done:
	case <-sig:
	}
}

package cli

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestServeDNSCheckInterval: serve refuses a DNS check interval under a
// minute (but 0, which turns the checks off), from the flag or the
// environment.
func TestServeDNSCheckInterval(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		vars map[string]string
	}{
		{[]string{"--dns-check-interval", "30s"}, nil},
		{nil, map[string]string{"PARSE_DMARC_DNS_CHECK_INTERVAL": "1s"}},
	} {
		stderr := &bytes.Buffer{}
		env := Env{Stdout: io.Discard, Stderr: stderr, Getenv: func(k string) string { return tc.vars[k] }}
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, tc.args...)
		if code := Run(context.Background(), args, env); code != ExitUsage || !strings.Contains(stderr.String(), "--dns-check-interval: 0 or at least 1m0s") {
			t.Errorf("%v %v: exit %d, %q", tc.args, tc.vars, code, stderr)
		}
	}
}

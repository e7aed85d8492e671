package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeSendersFile: serve reads --senders (or PARSE_DMARC_SENDERS) and
// refuses a file with errors, naming the file, entry and field.
func TestServeSendersFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"services": [{"id": "ours", "name": "Ours", "kind": "isp"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	const want = `parse-dmarc: bad.json:1: service "ours": kind: "isp" is not one of`
	for _, tc := range []struct {
		name string
		args []string
		vars map[string]string
	}{
		{"flag", []string{"--senders", bad}, nil},
		{"environment", nil, map[string]string{"PARSE_DMARC_SENDERS": bad}},
	} {
		stderr := &bytes.Buffer{}
		env := Env{Stdout: io.Discard, Stderr: stderr, Getenv: func(k string) string { return tc.vars[k] }}
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, tc.args...)
		if code := Run(context.Background(), args, env); code != ExitUsage || !strings.HasPrefix(stderr.String(), want) {
			t.Errorf("%s: exit %d, %q; want %d, %q", tc.name, code, stderr, ExitUsage, want)
		}
	}
}

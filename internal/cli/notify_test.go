package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/imaptest"
	"github.com/parse-dmarc/parse-dmarc/internal/secretbox"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// TestServeWebhooks runs serve with a channels file naming a webhook on
// loopback, whose secret comes from the environment: reports uploaded
// raise signed report.received events, the secret key is generated in the
// data directory, and the API shows the channel without its secret.
func TestServeWebhooks(t *testing.T) {
	t.Parallel()
	got := make(chan webhook.Event, 100)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify([]byte("hook-s3cret"), r.Header, body, time.Now(), 0); err != nil {
			t.Errorf("signature: %v", err)
		}
		var ev webhook.Event
		json.Unmarshal(body, &ev)
		got <- ev
	}))
	defer hook.Close()
	data := t.TempDir()
	channels := filepath.Join(t.TempDir(), "channels.json")
	os.WriteFile(channels, []byte(`{"channels": [{"name": "hook", "kind": "webhook", "enabled": true,
		"url": "`+hook.URL+`/in", "secret": "${HOOK_SECRET}", "events": ["report.received"]}],
		"alert_rules": [{"name": "compliance", "type": "compliance_below", "channels": ["hook"], "enabled": true}],
		"schedules": [{"name": "weekly", "kind": "weekly", "weekday": "monday", "time": "08:00", "channels": ["hook"], "enabled": false}]}`), 0o600)
	vars := map[string]string{"HOOK_SECRET": "hook-s3cret"}
	stderr := &imaptest.Buffer{}
	env := Env{Stdout: io.Discard, Stderr: stderr, Getenv: func(k string) string { return vars[k] }}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--channels", channels,
			"--public-url", "https://dmarc.example.com/", "--dns-check-interval", "0"}, env)
	}()
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`addr=(http://\S+)`).FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", stderr)
		}
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i, seed := range []uint64{31, 32} {
		fw, _ := mw.CreateFormFile("file", []string{"a.xml", "b.xml"}[i])
		synth.Write(fw, synth.Options{Records: 5, Seed: seed})
	}
	mw.Close()
	resp, err := http.Post(base+"/api/v1/reports", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for range 2 {
		select {
		case ev := <-got:
			var d webhook.ReportReceivedData
			json.Unmarshal(ev.Data, &d)
			if ev.Type != webhook.ReportReceived || d.Domain == "" || !strings.HasPrefix(d.URL, "https://dmarc.example.com/reports/") {
				t.Errorf("event %+v, data %+v", ev, d)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no event:\n%s", stderr)
		}
	}

	resp, err = http.Get(base + "/api/v1/channels")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(list), `"secret_set":true`) || strings.Contains(string(list), "hook-s3cret") {
		t.Errorf("channels: %s", list)
	}
	// The settings file's rule and schedule are stored, and the scheduler
	// runs: sending the schedule now answers its run, not 501.
	for path, want := range map[string]string{"/api/v1/alerts/rules": `"name":"compliance"`, "/api/v1/schedules": `"name":"weekly"`} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), want) {
			t.Errorf("%s: %s", path, b)
		}
	}
	resp, err = http.Post(base+"/api/v1/schedules/1/run", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"status":"sent"`) {
		t.Errorf("send the schedule now: %d %s", resp.StatusCode, b)
	}
	cancel()
	if code := <-exit; code != ExitOK {
		t.Fatalf("serve exit %d:\n%s", code, stderr)
	}
	if fi, err := os.Stat(filepath.Join(data, secretbox.KeyFileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v", fi, err)
	}
	if !strings.Contains(stderr.String(), "generated the secret key") {
		t.Errorf("no warning about the generated key:\n%s", stderr)
	}
}

// TestServeNotifyFlags: a bad --public-url or channels file stops serve.
func TestServeNotifyFlags(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "channels.json")
	os.WriteFile(bad, []byte(`{"channels": [{"name": "x", "kind": "slack", "url": "${NOPE}"}]}`), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--public-url", "dmarc.example.com"}, "--public-url"},
		{[]string{"--channels", bad}, "NOPE is not set"},
	} {
		stderr := &bytes.Buffer{}
		env := Env{Stdout: io.Discard, Stderr: stderr, Getenv: func(string) string { return "" }}
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--dns-check-interval", "0"}, tc.args...)
		if code := Run(t.Context(), args, env); code != ExitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, %q", tc.args, code, stderr)
		}
	}
}

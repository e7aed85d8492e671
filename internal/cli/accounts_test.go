package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/imapsource"
)

// mapEnv is an Env whose variables are vars.
func mapEnv(vars map[string]string) Env {
	return Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(k string) string { return vars[k] }}
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	work := map[string]string{
		"PARSE_DMARC_IMAP_WORK_ADDR":     "imap.example.com:993",
		"PARSE_DMARC_IMAP_WORK_USER":     "dmarc@example.com",
		"PARSE_DMARC_IMAP_WORK_PASSWORD": "s3cret",
	}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(out, kv[i])
			} else {
				out[kv[i]] = kv[i+1]
			}
		}
		return out
	}
	tests := []struct {
		name  string
		flags imapFlags
		vars  map[string]string
		want  []imapsource.Account
		err   string // part of the error; "" for none
	}{
		{name: "none"},
		{name: "flags only", flags: imapFlags{addr: "mx:993", user: "u", mode: "tls", mailbox: "INBOX"},
			vars: map[string]string{"PARSE_DMARC_IMAP_PASSWORD": "p"},
			want: []imapsource.Account{{Addr: "mx:993", Username: "u", Password: "p", Mailbox: "INBOX"}}},
		{name: "named with defaults", flags: imapFlags{names: "work"}, vars: work,
			want: []imapsource.Account{{Name: "work", Addr: "imap.example.com:993", Username: "dmarc@example.com", Password: "s3cret"}}},
		{name: "flags and two named, every setting",
			flags: imapFlags{addr: "mx:993", user: "u", mode: "tls", mailbox: "INBOX", names: " work , lists_2 ,"},
			vars: with(work, "PARSE_DMARC_IMAP_PASSWORD", "p",
				"PARSE_DMARC_IMAP_LISTS_2_ADDR", "127.0.0.1:143",
				"PARSE_DMARC_IMAP_LISTS_2_USER", "lists",
				"PARSE_DMARC_IMAP_LISTS_2_PASSWORD_FILE", pwFile,
				"PARSE_DMARC_IMAP_LISTS_2_TLS", "STARTTLS",
				"PARSE_DMARC_IMAP_LISTS_2_MAILBOX", "Reports",
				"PARSE_DMARC_IMAP_LISTS_2_PROCESSED", "Reports/Done",
				"PARSE_DMARC_IMAP_LISTS_2_INVALID", "Reports/Bad",
				"PARSE_DMARC_IMAP_LISTS_2_OTHER", "Reports/Other",
				"PARSE_DMARC_IMAP_LISTS_2_INSECURE_SKIP_VERIFY", "true"),
			want: []imapsource.Account{
				{Addr: "mx:993", Username: "u", Password: "p", Mailbox: "INBOX"},
				{Name: "work", Addr: "imap.example.com:993", Username: "dmarc@example.com", Password: "s3cret"},
				{Name: "lists_2", Addr: "127.0.0.1:143", TLS: imapsource.STARTTLS, Username: "lists", Password: "from-file",
					Mailbox: "Reports", ProcessedFolder: "Reports/Done", InvalidFolder: "Reports/Bad", OtherFolder: "Reports/Other",
					InsecureSkipVerify: true},
			}},
		{name: "bad name", flags: imapFlags{names: "Work"}, vars: work, err: `IMAP account "Work": a name is made of a-z, 0-9 and _`},
		{name: "named twice", flags: imapFlags{names: "work,work"}, vars: work, err: `"work" named twice`},
		{name: "no address", flags: imapFlags{names: "work"}, vars: with(work, "PARSE_DMARC_IMAP_WORK_ADDR", ""),
			err: `IMAP account "work": PARSE_DMARC_IMAP_WORK_ADDR is not set`},
		{name: "address without port", flags: imapFlags{names: "work"}, vars: with(work, "PARSE_DMARC_IMAP_WORK_ADDR", "imap.example.com"),
			err: `IMAP account "work": PARSE_DMARC_IMAP_WORK_ADDR="imap.example.com" is not host:port`},
		{name: "no user", flags: imapFlags{names: "work"}, vars: with(work, "PARSE_DMARC_IMAP_WORK_USER", ""),
			err: `IMAP account "work": PARSE_DMARC_IMAP_WORK_USER is not set`},
		{name: "no password", flags: imapFlags{names: "work"}, vars: with(work, "PARSE_DMARC_IMAP_WORK_PASSWORD", ""),
			err: `IMAP account "work": PARSE_DMARC_IMAP_WORK_PASSWORD (or PARSE_DMARC_IMAP_WORK_PASSWORD_FILE) is not set`},
		{name: "missing password file", flags: imapFlags{names: "work"},
			vars: with(work, "PARSE_DMARC_IMAP_WORK_PASSWORD", "", "PARSE_DMARC_IMAP_WORK_PASSWORD_FILE", "/nonexistent/pw"),
			err:  `IMAP account "work": PARSE_DMARC_IMAP_WORK_PASSWORD_FILE: open /nonexistent/pw`},
		{name: "bad TLS", flags: imapFlags{names: "work"}, vars: with(work, "PARSE_DMARC_IMAP_WORK_TLS", "ssl"),
			err: `IMAP account "work": PARSE_DMARC_IMAP_WORK_TLS: `},
		{name: "bad bool", flags: imapFlags{names: "work"}, vars: with(work, "PARSE_DMARC_IMAP_WORK_INSECURE_SKIP_VERIFY", "sure"),
			err: `IMAP account "work": PARSE_DMARC_IMAP_WORK_INSECURE_SKIP_VERIFY="sure": want true or false`},
		{name: "same mailbox twice", flags: imapFlags{names: "work,again"},
			vars: with(work, "PARSE_DMARC_IMAP_AGAIN_ADDR", "imap.example.com:993", "PARSE_DMARC_IMAP_AGAIN_USER", "dmarc@example.com",
				"PARSE_DMARC_IMAP_AGAIN_PASSWORD", "x"),
			err: `IMAP accounts "work" and "again" read the same mailbox`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.flags.accounts(mapEnv(tt.vars))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("the password is in the error: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d accounts, want %d: %v", len(got), len(tt.want), got)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("account %d:\n%+v\nwant\n%+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestAccountsFromConfigFile: the account list and settings may come from
// the --config file, and a missing setting stops fetch with its name.
func TestAccountsFromConfigFile(t *testing.T) {
	t.Parallel()
	config := filepath.Join(t.TempDir(), "parse-dmarc.conf")
	err := os.WriteFile(config, []byte("# two mailboxes\nPARSE_DMARC_IMAP_ACCOUNTS=a,b\n"+
		"PARSE_DMARC_IMAP_A_ADDR=127.0.0.1:1\nPARSE_DMARC_IMAP_A_USER=a\nPARSE_DMARC_IMAP_A_PASSWORD=pw-a-secret\n"+
		"PARSE_DMARC_IMAP_B_ADDR=127.0.0.1:1\nPARSE_DMARC_IMAP_B_PASSWORD=pw-b-secret\n"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	env := mapEnv(nil)
	code := Run(context.Background(), []string{"fetch", "--config", config, "--db", filepath.Join(t.TempDir(), "db")}, env)
	stderr := env.Stderr.(*bytes.Buffer).String()
	if code != ExitUsage || !strings.Contains(stderr, `IMAP account "b": PARSE_DMARC_IMAP_B_USER is not set`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if strings.Contains(stderr, "-secret") {
		t.Errorf("a password in the output: %q", stderr)
	}
	env = mapEnv(nil)
	if code := Run(context.Background(), []string{"fetch"}, env); code != ExitUsage ||
		!strings.Contains(env.Stderr.(*bytes.Buffer).String(), "no mailbox") {
		t.Errorf("fetch without an account: exit %d, %q", code, env.Stderr)
	}
}

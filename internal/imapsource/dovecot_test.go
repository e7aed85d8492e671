package imapsource

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/imaptest"
)

// dovecotEnv is the variable that turns the Dovecot tests on; see
// testdata/README.
const dovecotEnv = "PARSE_DMARC_TEST_DOVECOT"

// maxDovecotUsers is how many users the test Dovecot has: one per test
// case, each with a fresh INBOX.
const maxDovecotUsers = 300

// TestDovecot runs the end-to-end tests against a private Dovecot: the
// IMAP server most report mailboxes live on, with the '.' hierarchy
// delimiter of its default maildir layout, MOVE, UIDPLUS and IDLE.
func TestDovecot(t *testing.T) {
	e := newDovecot(t)
	user, pass := e.addUser(t)
	if cn := e.admin(t, user, pass); cn.delim != '.' || cn.name(DefaultProcessedFolder) != "DMARC.Processed" {
		t.Fatalf("hierarchy delimiter %q: the tests are meant to cover translating '/'", cn.delim)
	}
	t.Run("fetch", func(t *testing.T) { testFetchOnce(t, e, finalCheck{}) })
	t.Run("routing", func(t *testing.T) { testRouting(t, e) })
	t.Run("crash", func(t *testing.T) { testCrash(t, e, true) })
	t.Run("tls", func(t *testing.T) { testTLS(t, e) })
	t.Run("idle", func(t *testing.T) { testRunIdle(t, e, 300*time.Millisecond) })
	t.Run("login", func(t *testing.T) { testLoginFailure(t, e) })
}

// newDovecot starts a private Dovecot (the Debian package dovecot-imapd,
// not its system service) on two free ports of 127.0.0.1, clear text with
// STARTTLS and implicit TLS, with a self-signed certificate, maildirs and a
// passwd-file under a temporary directory. It is stopped when the test
// ends. Without PARSE_DMARC_TEST_DOVECOT=1 the test is skipped; with it, a
// missing dovecot binary is a failure.
func newDovecot(t *testing.T) *imapEnv {
	t.Helper()
	if os.Getenv(dovecotEnv) != "1" {
		t.Skipf("set %s=1 to run the tests against a private Dovecot (see testdata/README)", dovecotEnv)
	}
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/dovecot"); err != nil {
			t.Fatalf("%s=1 but no dovecot binary: apt-get install -y dovecot-imapd", dovecotEnv)
		}
	}

	// A directory every Dovecot process can reach: t.TempDir is private
	// to our user, and Dovecot's login and mail processes run as others
	// when started by root.
	dir, err := os.MkdirTemp("", "parse-dmarc-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mailDir := filepath.Join(dir, "mail")
	if err := os.Mkdir(mailDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Mail is owned by the user Dovecot's mail processes run as: ours
	// when not root (Dovecot then cannot switch users), else nobody, as
	// Dovecot refuses root for mail.
	uid, gid := os.Getuid(), os.Getgid()
	loginUser, internalUser := currentUser(t), currentUser(t)
	if uid == 0 {
		uid, gid = 65534, 65534
		loginUser, internalUser = "dovenull", "dovecot"
		if err := os.Chown(mailDir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	cert := imaptest.SelfSigned(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, cert.CertPEM, 0o644)
	os.WriteFile(keyFile, cert.KeyPEM, 0o600)
	// Users are written before the start: Dovecot reads its passwd-file
	// again only when the file's time changes, by the second.
	passwd := filepath.Join(dir, "passwd")
	type account struct{ user, pass string }
	var users []account
	var pw strings.Builder
	for i := range maxDovecotUsers {
		a := account{fmt.Sprintf("dmarc%d", i+1), "pw-" + rand.Text()}
		users = append(users, a)
		fmt.Fprintf(&pw, "%s:%s\n", a.user, a.pass)
	}
	if err := os.WriteFile(passwd, []byte(pw.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	port, tlsPort := freePort(t), freePort(t)
	conf := filepath.Join(dir, "dovecot.conf")
	logFile := filepath.Join(dir, "dovecot.log")
	err = os.WriteFile(conf, fmt.Appendf(nil, `# parse-dmarc test instance
base_dir = %[1]s/run
state_dir = %[1]s/state
instance_name = parse-dmarc-test-%[2]d
log_path = %[3]s
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <%[4]s
ssl_key = <%[5]s
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:%[6]s/%%u
default_login_user = %[7]s
default_internal_user = %[8]s
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[9]s
}
userdb {
  driver = static
  args = uid=%[10]d gid=%[11]d home=%[6]s/%%u
}
service imap-login {
  inet_listener imap {
    port = %[2]d
  }
  inet_listener imaps {
    port = %[12]d
    ssl = yes
  }
}
`, dir, port, logFile, certFile, keyFile, mailDir, loginUser, internalUser, passwd, uid, gid, tlsPort), 0o644)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "-F", "-c", conf)
	cmd.Dir = dir
	out := &imaptest.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			logs, _ := os.ReadFile(logFile)
			t.Logf("dovecot output:\n%s\ndovecot log:\n%s", out, logs)
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	waitGreeting(t, addr, exited, out, logFile)

	e := &imapEnv{name: "dovecot", addr: addr, tlsAddr: fmt.Sprintf("127.0.0.1:%d", tlsPort), roots: cert.Pool}
	var mu sync.Mutex
	e.addUser = func(t *testing.T) (string, string) {
		mu.Lock()
		defer mu.Unlock()
		if len(users) == 0 {
			t.Fatalf("all %d Dovecot test users taken: raise maxDovecotUsers", maxDovecotUsers)
		}
		a := users[0]
		users = users[1:]
		return a.user, a.pass
	}
	return e
}

// waitGreeting waits until the server at addr greets.
func waitGreeting(t *testing.T, addr string, exited <-chan struct{}, out *imaptest.Buffer, logFile string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-exited:
			logs, _ := os.ReadFile(logFile)
			t.Fatalf("dovecot exited:\n%s\n%s", out, logs)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if err == nil && strings.HasPrefix(line, "* OK") {
				return
			}
		}
		if time.Now().After(deadline) {
			logs, _ := os.ReadFile(logFile)
			t.Fatalf("dovecot did not greet on %s: %v\n%s\n%s", addr, err, out, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func currentUser(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

package remedy

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck/dnstest"
	"github.com/parse-dmarc/parse-dmarc/internal/golden"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy/remedytest"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// testNow is the clock of the tests: golden output needs fixed dates.
var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// world is a Guide on a SQLite store filled with remedytest's reports,
// asking a DNS server on loopback that serves remedytest.Zone.
type world struct {
	g   *Guide
	st  store.Store
	dns *dnstest.Server
}

func newWorld(t *testing.T, o remedytest.Options) *world {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if o.Now.IsZero() {
		o.Now = testNow
	}
	if _, err := remedytest.Fill(ctx, st, o); err != nil {
		t.Fatal(err)
	}
	srv := dnstest.NewServer(t, remedytest.Zone)
	cat, err := senders.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	g := &Guide{Store: st, Senders: cat, DNS: &dnscheck.Checker{Servers: []string{srv.Addr}, Timeout: 2 * time.Second},
		IPs: remedytest.IPInfo, Now: func() time.Time { return testNow }}
	return &world{g: g, st: st, dns: srv}
}

// checkText compares the text of a fix or advice with its golden file.
func checkText(t *testing.T, name string, write func(*bytes.Buffer) error) {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", name+".golden"), b.Bytes())
}

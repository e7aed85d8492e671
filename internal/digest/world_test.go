package digest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/digest/digesttest"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy"
	"github.com/parse-dmarc/parse-dmarc/internal/remedy/remedytest"
	"github.com/parse-dmarc/parse-dmarc/internal/senders"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// newBuilder is a Builder on a new SQLite store filled with the
// digesttest world of o (nil: an empty store).
func newBuilder(t testing.TB, o *digesttest.Options) *Builder {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "digest.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if o != nil {
		if err := digesttest.Fill(ctx, st, *o); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := senders.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return &Builder{Store: st, Guide: &remedy.Guide{Store: st, Senders: cat, IPs: remedytest.IPInfo},
		Now: func() time.Time { return digesttest.Now }}
}

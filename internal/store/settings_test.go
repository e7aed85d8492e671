package store

import (
	"strings"
	"testing"
)

// TestDomainSettings stores, replaces and reads the settings of domains:
// a domain without a row has the zero settings, and each domain's row is
// its own.
func TestDomainSettings(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		steps := []struct {
			name string
			set  *DomainSettings // nil: only read
			read string
			want DomainSettings
		}{
			{"never stored", nil, "example.com", DomainSettings{Domain: "example.com"}},
			{"enable", &DomainSettings{"example.com", true}, "example.com", DomainSettings{"example.com", true}},
			{"enable again", &DomainSettings{"example.com", true}, "example.com", DomainSettings{"example.com", true}},
			{"other domain untouched", nil, "example.org", DomainSettings{Domain: "example.org"}},
			{"compared exactly", nil, "EXAMPLE.COM", DomainSettings{Domain: "EXAMPLE.COM"}},
			{"other domain", &DomainSettings{"example.org", true}, "example.org", DomainSettings{"example.org", true}},
			{"disable", &DomainSettings{"example.com", false}, "example.com", DomainSettings{Domain: "example.com"}},
			{"first still enabled", nil, "example.org", DomainSettings{"example.org", true}},
			{"invalid UTF-8", &DomainSettings{"bad\xff.example", true}, "bad\xff.example", DomainSettings{"bad\xff.example", true}},
		}
		for _, st := range steps {
			if st.set != nil {
				if err := s.SetDomainSettings(ctx, *st.set); err != nil {
					t.Fatalf("%s: set: %v", st.name, err)
				}
			}
			got, err := s.DomainSettings(ctx, st.read)
			if err != nil {
				t.Fatalf("%s: read: %v", st.name, err)
			}
			equal(t, st.name, got, st.want)
		}
		var n int
		if err := queryRow(t, s, `SELECT COUNT(*) FROM domain_settings`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		equal(t, "rows", n, 3)

		err := s.SetDomainSettings(ctx, DomainSettings{Badge: true})
		if err == nil || !strings.Contains(err.Error(), "empty domain") {
			t.Errorf("empty domain: got %v", err)
		}
	})
}

package store

import (
	"errors"
	"testing"
	"time"
)

func TestQuarantine(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
		tests := []struct {
			name string
			q    Quarantined
		}{
			{"binary raw", Quarantined{SourceName: "mail > a.zip", Reason: "zip: not a valid zip file", ErrorType: "corrupt",
				ReceivedAt: at, Size: 5, SHA256: "00ff", Raw: []byte{0, 1, 0xff, '\n', 0}}},
			{"truncated", Quarantined{SourceName: "big.xml", Reason: "limit exceeded", ErrorType: "limit",
				ReceivedAt: at.Add(time.Hour), Size: 3, SHA256: "ab", Raw: []byte("<fe"), Truncated: true}},
			{"no raw", Quarantined{SourceName: "-", Reason: "read: EOF", ErrorType: "unreadable", ReceivedAt: at.Add(2 * time.Hour)}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				s := openStore(t, b)
				older, err := s.Quarantine(t.Context(), Quarantined{SourceName: "older", ReceivedAt: at.Add(-time.Hour), Raw: []byte("x")})
				if err != nil {
					t.Fatal(err)
				}
				id, err := s.Quarantine(t.Context(), tc.q)
				if err != nil {
					t.Fatal(err)
				}
				list, err := s.Quarantined(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				want := tc.q
				want.ID, want.Raw = id, nil
				if len(list) != 2 || list[1].ID != older {
					t.Fatalf("list %+v: want 2 entries, newest first", list)
				}
				equal(t, "entry", list[0], want)
				raw, err := s.QuarantinedRaw(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				equal(t, "raw", raw, tc.q.Raw)
				equal(t, "quarantined", counts(t, s).Quarantined, 2)

				if err := s.DeleteQuarantined(t.Context(), id); err != nil {
					t.Fatal(err)
				}
				if err := s.DeleteQuarantined(t.Context(), id); !errors.Is(err, ErrNotFound) {
					t.Errorf("second delete: got %v, want ErrNotFound", err)
				}
				if _, err := s.QuarantinedRaw(t.Context(), id); !errors.Is(err, ErrNotFound) {
					t.Errorf("raw after delete: got %v, want ErrNotFound", err)
				}
				equal(t, "quarantined", counts(t, s).Quarantined, 1)
			})
		}
	})
}

package store

import (
	"math"
	"testing"
)

func TestMessageSeen(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		k := MailboxKey{Account: "dmarc@example.com", Mailbox: "INBOX/Reports", UIDValidity: 1700000000}
		marked := []uint32{1, 7, math.MaxUint32}
		for _, uid := range marked {
			for range 2 { // idempotent
				if err := s.MarkMessageSeen(t.Context(), k, uid); err != nil {
					t.Fatalf("mark %d: %v", uid, err)
				}
			}
		}
		tests := []struct {
			name string
			k    MailboxKey
			uid  uint32
			want bool
		}{
			{"marked", k, 7, true},
			{"largest uid", k, math.MaxUint32, true},
			{"other uid", k, 8, false},
			{"uid 0", k, 0, false},
			{"new UIDVALIDITY", MailboxKey{k.Account, k.Mailbox, k.UIDValidity + 1}, 7, false},
			{"largest UIDVALIDITY", MailboxKey{k.Account, k.Mailbox, math.MaxUint32}, 7, false},
			{"other mailbox", MailboxKey{k.Account, "INBOX", k.UIDValidity}, 7, false},
			{"mailbox case", MailboxKey{k.Account, "inbox/reports", k.UIDValidity}, 7, false},
			{"other account", MailboxKey{"other@example.com", k.Mailbox, k.UIDValidity}, 7, false},
		}
		for _, tc := range tests {
			seen, err := s.MessageSeen(t.Context(), tc.k, tc.uid)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if seen != tc.want {
				t.Errorf("%s: seen %v, want %v", tc.name, seen, tc.want)
			}
		}
		var n int
		if err := queryRow(t, s, `SELECT COUNT(*) FROM imap_seen`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		equal(t, "rows", n, len(marked))
	})
}

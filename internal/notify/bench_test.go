package notify

import (
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/secretbox"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/store/pgtest"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// BenchmarkPublish measures what ingest pays for an event: one INSERT ...
// SELECT over the channels, with none and with three that want it.
func BenchmarkPublish(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, channels := range []int{0, 3} {
			b.Run(fmt.Sprintf("%s/channels=%d", backend, channels), func(b *testing.B) {
				dsn := filepath.Join(b.TempDir(), "bench.db")
				if backend == "postgres" {
					dsn = pgtest.DSN(b)
				}
				st, err := store.Open(b.Context(), dsn)
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				key := make([]byte, secretbox.KeySize)
				rand.Read(key)
				box, _ := secretbox.New(key)
				s := New(st, box, nil)
				for i := range channels {
					if _, err := s.CreateChannel(b.Context(), Channel{Name: fmt.Sprint("c", i), Kind: KindWebhook, Enabled: true,
						URL: "https://example.com/hook"}); err != nil {
						b.Fatal(err)
					}
				}
				ev, _ := webhook.Example(webhook.ReportReceived, time.Now(), "")
				m := notice.Message{Event: ev, Title: "example.com: report", Summary: "A report."}
				b.ResetTimer()
				for b.Loop() {
					m.Event.ID = ""
					if err := s.Publish(b.Context(), m); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

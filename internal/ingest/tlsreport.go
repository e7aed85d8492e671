package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/tlsrpt"
)

// tlsReport parses and stores one SMTP TLS report (RFC 8460), a KindJSON
// payload. Reports are read whole, up to tlsrpt.MaxSize: they are small
// (a policy and a few failure details a day). What tlsrpt refuses is
// quarantined with its reason, like an aggregate report the decoder
// refuses.
func (im *Importer) tlsReport(ctx context.Context, p Payload) (Result, error) {
	received := im.now()
	tap := newTap(p.Body, tlsrpt.MaxSize+1)
	rep, err := tlsrpt.Parse(tap)
	if err != nil {
		io.Copy(io.Discard, tap)
		raw := tap.raw.Bytes()
		if len(raw) > im.maxRaw() {
			raw = raw[:im.maxRaw()]
		}
		typ := "tlsrpt_invalid"
		if errors.Is(err, tlsrpt.ErrTooLarge) {
			typ = "limit"
		}
		return im.quarantine(ctx, p.Name, fmt.Errorf("SMTP TLS report: %w", err), typ, raw, tap.truncated || len(raw) < len(tap.raw.Bytes()))
	}
	status := "valid"
	for _, m := range rep.Messages {
		if m.Severity == tlsrpt.SeverityError {
			status = "errors"
			break
		}
		status = "warnings"
	}
	in := store.TLSIncoming{Report: rep, SourceName: p.Name, ReceivedAt: received, RawGzip: gzipCapped(bytes.TrimSpace(tap.raw.Bytes()), maxRawGzip)}
	id, err := im.Store.AddTLSReport(ctx, in)
	if errors.Is(err, store.ErrDuplicate) {
		im.log().Info("duplicate TLS report", "source", p.Name, "org", rep.OrganizationName, "report_id", rep.ReportID)
		return Result{Name: p.Name, Format: FormatTLS, Outcome: Duplicate, Err: err}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", p.Name, err)
	}
	im.log().Info("TLS report imported", "source", p.Name, "id", id, "policies", len(rep.Policies), "status", status)
	return Result{Name: p.Name, Format: FormatTLS, Outcome: Imported, ReportID: id, Records: int64(len(rep.Policies)), Status: status}, nil
}

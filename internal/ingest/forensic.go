package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// mailWithoutReport tells whether p is a whole mail in which the walk
// found no aggregate or TLS report: what may be a failure report, or no
// report at all. An empty attachment or a zip without members is a broken
// report instead (its Raw is not a mail), and stays quarantined.
func mailWithoutReport(p Payload) bool {
	return p.Err != nil && p.Mail != nil && errors.Is(p.Err, ErrNoReport) &&
		len(p.Raw) > 0 && isMail(p.Raw[:min(len(p.Raw), sniffLen)])
}

// routeMail decides what a mail without an aggregate or TLS report is, by
// its content: a failure report (stored, or quarantined when it cannot be
// read), or no report at all (Ignored: mailing-list noise, a bounce, a
// person's reply to the report address).
func (im *Importer) routeMail(ctx context.Context, p Payload) (Result, error) {
	if !forensic.Sniff(p.Raw) {
		return im.ignore(p, "no report of any kind")
	}
	return im.forensicReport(ctx, p)
}

// forensicReport parses and stores the failure report in the mail p.Raw
// under the Importer's Redaction policy. The raw mail itself is never
// stored, whatever becomes of it: it holds the reported message's body and
// recipients. A mail forensic refuses is quarantined with its reason, its
// size and digest but without its bytes (the mail stays where it came
// from: the invalid folder of a mailbox, the file), unless it merely
// mentions feedback reports without being one, which is no report at all.
func (im *Importer) forensicReport(ctx context.Context, p Payload) (Result, error) {
	received := im.now()
	if len(p.Raw) > forensic.MaxSize {
		return im.refuseForensic(ctx, p, fmt.Errorf("failure report: %w: %d bytes or more, limit %d", forensic.ErrTooLarge, len(p.Raw), forensic.MaxSize))
	}
	rep, err := forensic.Parse(bytes.NewReader(p.Raw), forensic.Options{Redaction: im.Redaction})
	if errors.Is(err, forensic.ErrNotARF) && !feedbackReportMail(p.Raw) {
		return im.ignore(p, "no report of any kind (it mentions feedback reports but is not one)")
	}
	if err != nil {
		return im.refuseForensic(ctx, p, fmt.Errorf("failure report: %w", err))
	}
	// The file a report came in may be named after people ("...
	// (mail-from=sharepoint@example.com).eml"): the addresses of its last
	// path element are reduced as the headers' are. The rest is where it
	// came from (an IMAP URL names the report mailbox) and is kept.
	name := p.Name
	if i := strings.LastIndexByte(name, '/') + 1; im.Redaction != forensic.RedactOff {
		name = name[:i] + forensic.MaskAddresses(name[i:])
	}
	in := store.ForensicIncoming{Report: rep, DedupeKey: forensicKey(p, rep), SourceName: name, ReceivedAt: received}
	id, err := im.Store.AddForensicReport(ctx, in)
	if errors.Is(err, store.ErrDuplicate) {
		im.log().Info("duplicate failure report", "source", p.Name, "domain", rep.ReportedDomain, "source_ip", rep.SourceIP)
		return Result{Name: p.Name, Format: FormatForensic, Outcome: Duplicate, Err: err}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", p.Name, err)
	}
	im.log().Info("failure report imported", "source", p.Name, "id", id, "domain", rep.ReportedDomain,
		"source_ip", rep.SourceIP, "status", rep.Status())
	return Result{Name: p.Name, Format: FormatForensic, Outcome: Imported, ReportID: id, Status: rep.Status()}, nil
}

// refuseForensic quarantines a failure report forensic refused, keeping
// its size and digest but not its bytes.
func (im *Importer) refuseForensic(ctx context.Context, p Payload, reason error) (Result, error) {
	typ := "forensic_invalid"
	if errors.Is(reason, forensic.ErrTooLarge) {
		typ = "limit"
	}
	sum := sha256.Sum256(p.Raw)
	q := store.Quarantined{
		SourceName: p.Name, Reason: reason.Error() + " (the mail is not kept: it may hold a message body and recipients)",
		ErrorType: typ, ReceivedAt: im.now(), Size: int64(len(p.Raw)), SHA256: hex.EncodeToString(sum[:]), Truncated: true,
	}
	id, err := im.Store.Quarantine(ctx, q)
	if err != nil {
		return Result{}, fmt.Errorf("%s: quarantine: %w", p.Name, err)
	}
	im.log().Warn("failure report quarantined", "source", p.Name, "id", id, "reason", reason)
	return Result{Name: p.Name, Format: FormatForensic, Outcome: Quarantined, ReportID: id, Err: reason}, nil
}

// ignore records a mail that holds no report: logged with what identifies
// it (its subject, sender and Message-ID) and counted, nothing stored. The
// mail stays where it came from: the IMAP source moves it to its folder
// for other mail, a file is left where it is.
func (im *Importer) ignore(p Payload, why string) (Result, error) {
	var subject, from, msgID string
	if p.Mail != nil {
		subject, from, msgID = p.Mail.Subject, p.Mail.From, p.Mail.MessageID
	}
	im.log().Info("mail without a report", "source", p.Name, "why", why, "subject", subject, "from", from, "message_id", msgID)
	return Result{Name: p.Name, Outcome: Ignored, Err: fmt.Errorf("%s: %s", p.Name, why)}, nil
}

// feedbackReportMail tells whether a mail says it is an ARF report: a
// multipart/report of report-type feedback-report (RFC 5965 section 2).
// One that does but that forensic cannot read is a broken report, where a
// mail that only quotes one (a discussion, a bounce of a report) is none.
func feedbackReportMail(raw []byte) bool {
	h, _, err := readHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return false
	}
	mt, params := mediaType(h.Get("Content-Type"), "text/plain")
	return mt == "multipart/report" && params["report-type"] == "feedback-report"
}

// forensicKey is the dedupe key of a failure report: the digest of its
// mail's Message-ID with the fields no redaction policy changes (so that
// the same report read from a mailbox and from a file, or with another
// policy, is one), or of the mail's bytes when it has no Message-ID.
func forensicKey(p Payload, rep *forensic.Report) string {
	h := sha256.New()
	if p.Mail != nil && p.Mail.MessageID != "" {
		arrival := ""
		if rep.ArrivalDate != nil {
			arrival = strconv.FormatInt(rep.ArrivalDate.Unix(), 10)
		}
		for _, s := range []string{"message-id", p.Mail.MessageID, rep.ReportedDomain, rep.SourceIP, arrival} {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
		return "mid:" + hex.EncodeToString(h.Sum(nil))
	}
	h.Write(p.Raw)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

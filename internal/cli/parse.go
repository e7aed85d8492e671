package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/normalize"
	"github.com/parse-dmarc/parse-dmarc/internal/tlsrpt"
	"github.com/parse-dmarc/parse-dmarc/internal/version"
)

func runParse(ctx context.Context, env Env, args []string) int {
	fs := flagSet(env, "parse", "PATH...",
		`Parse the DMARC reports in each PATH (a file: .xml, .gz, .zip, .eml, mbox; or a
directory, read recursively; "-" reads standard input) and print one JSON object
per report found, in the parsing protocol's Normalized Report Format, as JSON Lines.
Failure (forensic) reports, ARF mails of RFC 6591, are printed with input_format
"forensic": never with the message body or recipient addresses, and with the
other personal data reduced as --redact says. SMTP TLS reports (RFC 8460 JSON,
gzipped or in mails) are printed with input_format "smtp_tls".

Exit status: 0 when every report parsed (warnings allowed), 1 when any input held
no usable report, 2 on usage errors.`)
	pretty := fs.Bool("pretty", false, "indent the JSON (one document per report, no longer one per line)")
	redact := fs.String("redact", "addresses", "personal data removed from failure reports beyond bodies and recipients: "+
		"addresses (local parts of all addresses, routing details), full (all header values but the From domain), or off")
	if code, ok := parseFlags(fs, &env, args); !ok {
		return code
	}
	redaction, err := forensic.ParseRedaction(*redact)
	if err != nil {
		fmt.Fprintf(env.Stderr, "parse-dmarc: --redact: %v\n", err)
		return ExitUsage
	}
	fopts := forensic.Options{Redaction: redaction}
	// A failure report is read from the raw mail the walk hands over; one
	// byte more than forensic.MaxSize tells a mail that is too large.
	lim := ingest.Limits{MaxRaw: forensic.MaxSize + 1}
	if fs.NArg() == 0 {
		fs.Usage()
		return ExitUsage
	}
	w := normalize.NewWriter(env.Stdout, normalize.Options{Pretty: *pretty, ParserVersion: version.String()})
	failed := false
	for _, path := range fs.Args() {
		fn := func(p ingest.Payload) error { return parsePayload(w, p, fopts, &failed) }
		var err error
		if path == "-" {
			err = ingest.Walk(ctx, "-", env.Stdin, lim, fn)
		} else {
			err = ingest.WalkPath(ctx, path, lim, fn)
		}
		if err != nil {
			var we writeError
			if errors.As(err, &we) {
				fmt.Fprintf(env.Stderr, "parse-dmarc: write: %v\n", we.err)
				return ExitFail
			}
			// The input itself could not be opened or walked.
			fmt.Fprintf(env.Stderr, "parse-dmarc: %v\n", err)
			w.Error(normalize.Source{Name: path}, aggregate.Message{
				ErrorType: aggregate.MissingField, Field: "/", Expected: "a readable file or directory",
				Actual: err.Error(), Severity: aggregate.SeverityFatal, Action: aggregate.ActionHaltedParse,
			})
			failed = true
		}
	}
	if failed {
		return ExitFail
	}
	return ExitOK
}

// writeError marks a failure to write the output, which stops everything.
type writeError struct{ err error }

func (e writeError) Error() string { return e.err.Error() }

func parsePayload(w *normalize.Writer, p ingest.Payload, fopts forensic.Options, failed *bool) error {
	src := normalize.Source{Name: p.Name}
	if p.Err != nil && errors.Is(p.Err, ingest.ErrNoReport) && forensic.Sniff(p.Raw) {
		return parseForensic(w, src, p.Raw, fopts, failed)
	}
	if p.Err == nil && p.Kind == ingest.KindJSON {
		return parseTLS(w, src, p.Body, failed)
	}
	if p.Err != nil || p.Kind != ingest.KindXML {
		*failed = true
		actual := "content that is not XML"
		if p.Err != nil {
			actual = p.Err.Error()
		}
		if err := w.Error(src, aggregate.Message{
			ErrorType: aggregate.SchemaViolation, Field: "/", Expected: "a DMARC aggregate report",
			Actual: actual, Severity: aggregate.SeverityFatal, Action: aggregate.ActionHaltedParse,
		}); err != nil {
			return writeError{err}
		}
		return nil
	}
	h := sha256.New()
	body := io.TeeReader(p.Body, h)
	d := aggregate.NewDecoder(body, aggregate.Options{})
	usable, err := w.Aggregate(src, d, func() string { return drainSum(body, h) })
	if err != nil {
		return writeError{err}
	}
	if !usable {
		*failed = true
	}
	return nil
}

// parseForensic writes the document of the failure report in mail, the raw
// bytes of a mail that held no aggregate report.
func parseForensic(w *normalize.Writer, src normalize.Source, mail []byte, opts forensic.Options, failed *bool) error {
	sum := sha256.Sum256(mail)
	src.SHA256 = hex.EncodeToString(sum[:])
	rep, err := forensic.Parse(bytes.NewReader(mail), opts)
	if err != nil {
		*failed = true
		err = w.ForensicError(src, err)
	} else {
		err = w.Forensic(src, rep)
	}
	if err != nil {
		return writeError{err}
	}
	return nil
}

// parseTLS writes the document of an SMTP TLS report.
func parseTLS(w *normalize.Writer, src normalize.Source, body io.Reader, failed *bool) error {
	h := sha256.New()
	rep, err := tlsrpt.Parse(io.TeeReader(body, h))
	src.SHA256 = drainSum(body, h)
	if err != nil {
		*failed = true
		err = w.TLSError(src, err)
	} else {
		err = w.TLS(src, rep)
	}
	if err != nil {
		return writeError{err}
	}
	return nil
}

// drainSum reads what is left of the input (text after </feedback>) and
// returns the digest of all of it.
func drainSum(r io.Reader, h hash.Hash) string {
	io.Copy(io.Discard, r)
	return hex.EncodeToString(h.Sum(nil))
}

// Package ingest finds report payloads inside the containers reports arrive
// in: plain XML or JSON files, gzip and zip archives, MIME mails (.eml) with
// the report attached or as their body, mbox files of such mails, and
// directories of all of these, nested in any combination.
//
// Walk and WalkPath stream each candidate payload to a callback, in order,
// as a Payload: a location (Name), what the content looks like (Kind), and
// the decoded bytes (Body). Nothing is silently dropped: a part that cannot
// be decoded (corrupt gzip or zip, broken base64, a mail without a report,
// content that is none of the above) is passed on as a Payload with Err set
// and up to Limits.MaxRaw of its raw bytes, so that the caller can
// quarantine it; one bad part does not hide the others.
//
// Formats are recognised by their content (magic bytes) first and by their
// file name only when the content says nothing, so misnamed attachments and
// files work. Decoding streams: memory stays bounded by a few buffers per
// nesting level, except for zip archives, which need random access and are
// buffered (in memory up to 8 MiB, in a temporary file above, never beyond
// Limits.MaxArchive). Limits turn decompression bombs, archives with too many
// members and containers nested too deeply into errors (ErrTooLarge,
// ErrTooMany, ErrTooDeep) rather than exhausted memory, disk or time.
//
// Payloads are candidates only; the Importer takes them further and routes
// each by its content:
//
//   - a KindXML payload goes through the aggregate report decoder into the
//     store, one transaction per report, deduplicated by (reporter, report
//     ID, policy domain);
//   - a KindJSON payload is an SMTP TLS report (RFC 8460), deduplicated by
//     (organization, report ID);
//   - a mail in which the walk found neither (a Payload with ErrNoReport
//     and the mail as Raw) is a failure report when package forensic
//     recognises one (forensic.Sniff, then forensic.Parse under
//     Importer.Redaction), stored redacted, never with the reported
//     message's body or recipients, deduplicated by the report mail's
//     Message-ID; otherwise it holds no report of any kind (mailing-list
//     noise, a bounce, a reply), and is Ignored: logged with its subject,
//     sender and Message-ID and counted, nothing stored, the mail left
//     where it came from (the IMAP source moves it to its folder for
//     other mail);
//   - whatever cannot be used (a Payload with another Err, a report the
//     decoder refuses) is quarantined in the store with its reason and raw
//     bytes, except a failure report forensic refuses (an ARF abuse
//     report, a broken one), quarantined with its reason, size and digest
//     but without its bytes, which hold a message body.
package ingest

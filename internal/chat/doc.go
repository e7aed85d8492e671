// Package chat renders a notice.Message for the incoming webhooks of
// Slack, Discord and Microsoft Teams, and posts it.
//
// What each service gets:
//
//   - Slack (KindSlack): an incoming-webhook message of Block Kit blocks:
//     a header with the severity's emoji and the title, a context line
//     with the severity, event type and time, the summary, the facts as
//     fields (10 a section), attachments named in a context line, and a
//     button to the dashboard. Block Kit has no colour: the legacy
//     "attachments" that draw a coloured bar are discouraged by Slack and
//     may be folded away, so the severity is shown by emoji and word.
//     Slack answers 200 and "ok".
//   - Discord (KindDiscord): one embed with the title, the summary as
//     description, the severity's colour, the facts as fields, the event
//     type in the footer and its time as timestamp; allowed_mentions is
//     empty so that nothing in a message can ping anyone. Discord answers
//     204 (200 with ?wait=true).
//   - Microsoft Teams (KindTeams): a message with one Adaptive Card 1.4
//     attachment: the title in a container of the severity's style, the
//     summary, a FactSet, and an Action.OpenUrl to the dashboard. This is
//     what the Workflows app's "When a Teams webhook request is received"
//     trigger takes (it answers 202). Office 365 connector webhooks, retired
//     by Microsoft, took the same envelope with Adaptive Cards and answer 200
//     and "1"; their older MessageCard format is not produced, as Workflows
//     do not read it. A legacy connector reports failures as 200 with
//     another body; Post takes that as the failure it is.
//
// Limits. The text of a Message comes in part from outside (a report's
// organisation name, a source's reverse DNS), so every renderer escapes
// the service's markup (Slack's &, < and >, which would otherwise make
// mentions such as <!channel> and links; Discord's and Teams' markdown,
// whose [text](url) links could disguise an address) and drops control
// characters. Lengths are the services' documented limits, counted in
// UTF-16 code units (never fewer than the characters the services count):
// Slack 50 blocks, 150 for the header, 3000 for a section's text, 2000 for
// a field, 10 fields a section, 75 for a button's text, 3000 for its URL;
// Discord 256 for the title and a field's name, 4096 for the description,
// 1024 for a field's value, 25 fields, 2048 for the footer, 6000 for the
// whole embed; Teams 28 KB for the whole message. A text cut to fit ends
// with "…", and facts left out are counted in a last line ("… 3 more
// facts"), so a reader always knows that something is missing. A URL that
// is too long or not http(s) is left out rather than cut.
//
// Posting (Post) treats any 2xx answer as delivered but for the legacy
// Teams answer above: a repeated post would show the message twice. Error
// answers become an *HTTPError with the start of the answer's body; 429
// and Retry-After make it Retryable with the wait the service asked for
// (RetryAfter), for the outbox to honour.
package chat

package forensic

import "strings"

// Unauthenticated tells whether the reporter's Authentication-Results show
// SPF or DKIM results and none of them pass: the message authenticated as
// nobody, the mark of a spoofed sender (the aggregate side's "suspicious"
// class). A report whose results name neither method (only dmarc=fail, as
// many reporters send) tells nothing either way and gives false.
func (r *Report) Unauthenticated() bool {
	seen := false
	for _, res := range strings.FieldsFunc(r.AuthenticationResults, func(c rune) bool { return c == ';' || c == '\n' }) {
		method, result, ok := strings.Cut(strings.TrimSpace(res), "=")
		if !ok {
			continue
		}
		method = strings.ToLower(strings.TrimSpace(method))
		if method != "spf" && method != "dkim" {
			continue
		}
		result, _, _ = strings.Cut(strings.TrimSpace(result), " ")
		result, _, _ = strings.Cut(result, "(")
		seen = true
		if strings.EqualFold(result, "pass") {
			return false
		}
	}
	return seen
}

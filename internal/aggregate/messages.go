package aggregate

// Actions beyond the protocol's three (skipped_record, used_default,
// halted_parse), for repairs that keep the data.
const (
	// ActionNormalized: the value was rewritten to its canonical form
	// (e.g. "Pass" to "pass", windows-1252 bytes to UTF-8).
	ActionNormalized = "normalized"
	// ActionRepaired: the XML was repaired (an unclosed element closed, a
	// stray '<' kept as text) and parsing went on.
	ActionRepaired = "repaired"
	// ActionIgnored: an empty or meaningless element was left out.
	ActionIgnored = "ignored"
)

// maxMessages bounds how many distinct messages one report keeps; further
// findings are folded into the first message of the same type and field.
const maxMessages = 100

// messageLog collects validation messages, folding repeats so that a report
// with a million bad records costs one message, not a million.
type messageLog struct {
	msgs    []Message
	byKey   map[string]int // type + generic field + expected + actual
	byField map[string]int // type + generic field
	fatal   bool
}

// add records m. generic is m.Field without record indexes, so the same
// problem in many records folds into one message.
func (l *messageLog) add(m Message, generic string) {
	if m.Severity == SeverityFatal {
		l.fatal = true
	}
	if l.byKey == nil {
		l.byKey = map[string]int{}
		l.byField = map[string]int{}
	}
	key := m.ErrorType + "\x00" + generic + "\x00" + m.Expected + "\x00" + m.Actual
	if i, ok := l.byKey[key]; ok {
		l.bump(i)
		return
	}
	fkey := m.ErrorType + "\x00" + generic
	if len(l.msgs) >= maxMessages {
		if i, ok := l.byField[fkey]; ok {
			l.bump(i)
		} else {
			l.bump(len(l.msgs) - 1)
		}
		return
	}
	l.byKey[key] = len(l.msgs)
	if _, ok := l.byField[fkey]; !ok {
		l.byField[fkey] = len(l.msgs)
	}
	l.msgs = append(l.msgs, m)
}

func (l *messageLog) bump(i int) {
	if l.msgs[i].Occurrences == 0 {
		l.msgs[i].Occurrences = 1
	}
	l.msgs[i].Occurrences++
}

// status is the protocol's validation_status.
func (l *messageLog) status() string {
	switch {
	case l.fatal:
		return "errors"
	case len(l.msgs) > 0:
		return "warnings"
	}
	return "valid"
}

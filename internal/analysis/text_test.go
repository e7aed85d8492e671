package analysis

import "testing"

func TestText(t *testing.T) {
	t.Parallel()
	nums := []struct {
		n    int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"}, {1234567, "1,234,567"}, {-1234, "-1,234"}}
	for _, tt := range nums {
		if got := num(tt.n); got != tt.want {
			t.Errorf("num(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	joins := []struct {
		items []string
		want  string
	}{{nil, ""}, {[]string{"a"}, "a"}, {[]string{"a", "b"}, "a and b"}, {[]string{"a", "b", "c"}, "a, b and c"}}
	for _, tt := range joins {
		if got := join(tt.items); got != tt.want {
			t.Errorf("join(%q) = %q, want %q", tt.items, got, tt.want)
		}
	}
	percents := []struct {
		n, d int64
		want float64
	}{{0, 0, 0}, {1, 3, 33.33}, {2, 3, 66.67}, {992, 1000, 99.2}, {99996, 100000, 100}, {5, 5, 100}}
	for _, tt := range percents {
		if got := percent(tt.n, tt.d); got != tt.want {
			t.Errorf("percent(%d, %d) = %v, want %v", tt.n, tt.d, got, tt.want)
		}
	}
	if got := rate(992, 1000); got != "99.2%" {
		t.Errorf("rate %q", got)
	}
}

func TestRelated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"example.com", "example.com", true},
		{"Example.COM", "example.com", true},
		{"mail.example.com", "example.com", true},
		{"example.com", "mail.example.com", true},
		{"example.com.", "example.com", true},
		{"badexample.com", "example.com", false},
		{"example.net", "example.com", false},
		{"a.example.com", "b.example.com", false}, // siblings: no public suffix list
		{"", "example.com", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := related(tt.a, tt.b); got != tt.want {
			t.Errorf("related(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestFactsBounded checks a facts set keeps the first distinct values
// only.
func TestFactsBounded(t *testing.T) {
	t.Parallel()
	var f facts[string]
	for _, v := range []string{"a", "b", "a", "c", "d", "b"} {
		f.add(v)
	}
	if got := f.list(); len(got) != maxFacts || got[0] != "a" || got[1] != "b" || got[2] != "c" {
		t.Errorf("%v", got)
	}
}

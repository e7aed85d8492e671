package imapsource

import (
	"bytes"
	"io"
	"os"
	"testing"
)

func TestSpool(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), (spillAt+1<<20)/16)
	for _, tc := range []struct {
		name     string
		data     []byte
		max      int64
		file     bool
		tooLarge bool
	}{
		{"memory", []byte("small mail"), 100, false, false},
		{"exactly max", []byte("0123456789"), 10, false, false},
		{"too large in memory", []byte("0123456789x"), 10, false, true},
		{"file", big, int64(len(big)), true, false},
		{"too large for file", big, int64(len(big)) - 1, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := bytes.NewReader(tc.data)
			sp, err := spoolMessage(r, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			if r.Len() != 0 {
				t.Errorf("%d bytes left unread", r.Len())
			}
			if (sp.f != nil) != tc.file || sp.tooLarge != tc.tooLarge {
				t.Errorf("file %v tooLarge %v, want %v %v", sp.f != nil, sp.tooLarge, tc.file, tc.tooLarge)
			}
			if !tc.tooLarge {
				got, _ := io.ReadAll(sp.reader())
				if !bytes.Equal(got, tc.data) {
					t.Errorf("read back %d bytes, want %d", len(got), len(tc.data))
				}
			}
			var name string
			if sp.f != nil {
				name = sp.f.Name()
			}
			if err := sp.Close(); err != nil {
				t.Fatal(err)
			}
			if name != "" {
				if _, err := os.Stat(name); !os.IsNotExist(err) {
					t.Errorf("temporary file %s left: %v", name, err)
				}
			}
		})
	}
}

package synth

import (
	"bytes"
	"testing"
)

func TestWriteDecodes(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Write(&b, Options{Records: 500, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	n, err := DecodeStd(bytes.NewReader(b.Bytes()))
	if err != nil || n != 500 {
		t.Fatalf("DecodeStd = %d, %v; want 500 records", n, err)
	}
	var again bytes.Buffer
	Write(&again, Options{Records: 500, Seed: 1})
	if !bytes.Equal(b.Bytes(), again.Bytes()) {
		t.Fatal("same options gave different reports")
	}
}

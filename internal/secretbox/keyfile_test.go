package secretbox

import (
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// TestFromEnvOrFile: without a key in the environment, a key file is
// made once (0600) and used again; processes starting together share it;
// the environment's key wins.
func TestFromEnvOrFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data", KeyFileName)
	none := func(string) string { return "" }
	var wg sync.WaitGroup
	ids := make([]string, 8)
	made := make([]bool, 8)
	for i := range ids {
		wg.Go(func() {
			box, created, err := FromEnvOrFile(none, path)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], made[i] = box.KeyID(), created
		})
	}
	wg.Wait()
	n := 0
	for i := range ids {
		if ids[i] != ids[0] {
			t.Errorf("process %d has key %s, process 0 %s", i, ids[i], ids[0])
		}
		if made[i] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the file was made %d times", n)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	box, created, err := FromEnvOrFile(none, path)
	if err != nil || created || box.KeyID() != ids[0] {
		t.Errorf("again: %s, %v, %v", box.KeyID(), created, err)
	}

	env := func(k string) string {
		if k == EnvKey {
			return "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
		}
		return ""
	}
	box, _, err = FromEnvOrFile(env, path)
	if err != nil || box.KeyID() == ids[0] {
		t.Errorf("the environment's key is not used: %v", err)
	}

	bad := filepath.Join(t.TempDir(), KeyFileName)
	os.WriteFile(bad, []byte("short"), 0o600)
	if _, _, err := FromEnvOrFile(none, bad); err == nil {
		t.Error("a malformed key file was accepted")
	}
}

// Package dirsource ingests reports dropped into a directory: each file is
// imported and then moved into the directory's processed/ subdirectory,
// into invalid/ when anything in it was quarantined, or into other/ when it
// held no report of any kind (a mail that is none, ingest.Ignored). Files
// are never deleted.
//
// The directory is polled rather than watched with inotify: it works the
// same on every platform and network file system, and a report a minute
// late does not matter. A file is read only once its size and modification
// time were the same at two successive polls, so a file still being copied
// in is left alone.
package dirsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
)

// Names of the subdirectories files are moved to.
const (
	ProcessedDir = "processed"
	InvalidDir   = "invalid"
	OtherDir     = "other"
)

// Watcher imports the files of one directory.
type Watcher struct {
	Dir      string
	Importer *ingest.Importer
	Log      *slog.Logger
	// Observe, when set, is told of every import result.
	Observe func(ingest.Result)

	seen map[string]fileState // size and time at the last poll
}

type fileState struct {
	size int64
	mod  time.Time
}

// Run polls the directory every interval until ctx ends.
func (w *Watcher) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := w.Poll(ctx); err != nil && ctx.Err() == nil {
			w.log().Error("directory source", "dir", w.Dir, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (w *Watcher) log() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Log
}

// Poll imports the files that have not changed since the previous poll
// and moves them away; it returns how many files it moved. A store error
// stops the poll with the file left in place, to be retried.
func (w *Watcher) Poll(ctx context.Context) (int, error) {
	if w.seen == nil {
		w.seen = map[string]fileState{}
	}
	entries, err := os.ReadDir(w.Dir)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", w.Dir, err)
	}
	now := map[string]fileState{}
	moved := 0
	for _, e := range entries {
		if ctx.Err() != nil {
			return moved, ctx.Err()
		}
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // gone since ReadDir
		}
		st := fileState{fi.Size(), fi.ModTime()}
		now[name] = st
		if prev, ok := w.seen[name]; !ok || prev != st {
			continue // new or still changing: next time
		}
		if err := w.importFile(ctx, name); err != nil {
			w.seen = now
			return moved, err
		}
		delete(now, name)
		moved++
	}
	w.seen = now
	return moved, nil
}

// importFile imports one file and moves it once its reports are stored.
func (w *Watcher) importFile(ctx context.Context, name string) error {
	path := filepath.Join(w.Dir, name)
	im := *w.Importer
	im.Progress = w.Observe
	sum, err := im.ImportPath(ctx, path)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	dest := ProcessedDir
	switch {
	case sum.Quarantined > 0:
		dest = InvalidDir
	case sum.Ignored > 0 && sum.Imported+sum.Duplicates == 0:
		dest = OtherDir
	}
	if err := moveInto(path, filepath.Join(w.Dir, dest)); err != nil {
		return err
	}
	w.log().Info("file imported", "file", path, "to", dest, "reports", sum.Imported, "duplicates", sum.Duplicates, "quarantined", sum.Quarantined, "ignored", sum.Ignored)
	return nil
}

// moveInto renames path into dir, creating dir, and never overwrites: a
// name already there gets a numeric suffix.
func moveInto(path, dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	base := filepath.Base(path)
	dest := filepath.Join(dir, base)
	for i := 1; ; i++ {
		if _, err := os.Lstat(dest); errors.Is(err, os.ErrNotExist) {
			break
		}
		dest = filepath.Join(dir, fmt.Sprintf("%s.%d", base, i))
	}
	if err := os.Rename(path, dest); err != nil {
		return fmt.Errorf("move %s: %w", path, err)
	}
	return nil
}

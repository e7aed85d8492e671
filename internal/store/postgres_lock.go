package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// TryLock implements Store with a session-level PostgreSQL advisory lock
// (pg_try_advisory_lock) on advisoryKey("trylock", schema, name), so it
// excludes holders in every process that uses this database and schema.
//
// The attempt runs on a pooled connection, which goes back to the pool
// when the lock is busy. Once taken, the lock is held by that connection,
// taken out of the pool (Hijack) so no other work runs on it and the pool
// may replace it; unlock releases the lock and closes the connection.
//
// Limits: a lock costs one server connection while held. If that
// connection breaks, the server releases the lock while its holder still
// believes it holds it, so work done under it must stay safe to repeat (as
// importing is: the dedupe key and MarkMessageSeen absorb repeats). Close
// does not release locks.
func (p *Postgres) TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return func() {}, false, fmt.Errorf("lock %q: %w", name, err)
	}
	key := advisoryKey("trylock", p.schema, name)
	err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok)
	if err != nil || !ok {
		if err != nil {
			// The lock may have been taken before the error: end the
			// session rather than return it to the pool.
			c := conn.Hijack()
			closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			err = errors.Join(fmt.Errorf("lock %q: %w", name, err), c.Close(closeCtx))
			cancel()
		} else {
			conn.Release()
		}
		return func() {}, false, err
	}
	c := conn.Hijack()
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			// Unlocking first makes the lock free when unlock returns:
			// the server ends a closed session, and so releases its
			// locks, only a little later. Errors leave nothing to do:
			// the session ends either way.
			c.Exec(ctx, `SELECT pg_advisory_unlock($1)`, key)
			c.Close(ctx)
		})
	}, true, nil
}

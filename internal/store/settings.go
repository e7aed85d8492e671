package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DomainSettings are the choices people make per policy domain in the
// dashboard. A domain without a row has the zero settings: everything
// opt-in is off. Settings are kept apart from the reports, so that a
// domain's settings may exist before its first report and outlive its
// last.
type DomainSettings struct {
	// Domain is the policy domain, as the reports name it (lower case).
	Domain string
	// Badge makes the domain's compliance badge (GET /badge/{domain}.svg)
	// public. It is off by default: a badge shows the domain's DMARC pass
	// rate to anyone with its URL.
	Badge bool
}

// domainSettingsSQL reads the settings of a domain.
const domainSettingsSQL = `SELECT badge FROM domain_settings WHERE domain = ?`

// setDomainSettingsSQL inserts or replaces the settings of a domain, in
// the upsert syntax both SQLite (3.24 and later) and PostgreSQL know.
const setDomainSettingsSQL = `INSERT INTO domain_settings (domain, badge, updated_at) VALUES (?, ?, ?)
ON CONFLICT (domain) DO UPDATE SET badge = excluded.badge, updated_at = excluded.updated_at`

// domainSettings reads the settings of domain through run: the zero
// settings, with Domain set, when it has no row.
func domainSettings(ctx context.Context, run rowSource, domain string) (DomainSettings, error) {
	ds := DomainSettings{Domain: domain}
	err := run(ctx, domainSettingsSQL, []any{domain}, func(scan func(...any) error) error {
		var badge int64
		if err := scan(&badge); err != nil {
			return err
		}
		ds.Badge = badge != 0
		return nil
	})
	if err != nil {
		return DomainSettings{}, fmt.Errorf("read settings of domain %q: %w", domain, err)
	}
	return ds, nil
}

// setDomainSettingsArgs are the arguments of setDomainSettingsSQL, or an
// error for settings that cannot be stored.
func setDomainSettingsArgs(ds DomainSettings) ([]any, error) {
	if ds.Domain == "" {
		return nil, errors.New("store domain settings: empty domain")
	}
	var badge int64
	if ds.Badge {
		badge = 1
	}
	return []any{ds.Domain, badge, time.Now().Unix()}, nil
}

// DomainSettings implements Store.
func (s *SQLite) DomainSettings(ctx context.Context, domain string) (DomainSettings, error) {
	return domainSettings(ctx, s.rows, domain)
}

// SetDomainSettings implements Store. It writes on the single writing
// connection, so it waits for an open ReportTx of this store to end.
func (s *SQLite) SetDomainSettings(ctx context.Context, ds DomainSettings) error {
	args, err := setDomainSettingsArgs(ds)
	if err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, setDomainSettingsSQL, args...); err != nil {
		return fmt.Errorf("store settings of domain %q: %w", ds.Domain, err)
	}
	return nil
}

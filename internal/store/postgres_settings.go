package store

import (
	"context"
	"fmt"
)

// DomainSettings implements Store. The domain is compared after pgText,
// as SetDomainSettings stored it.
func (p *Postgres) DomainSettings(ctx context.Context, domain string) (DomainSettings, error) {
	ds, err := domainSettings(ctx, p.rows, pgText(domain))
	if err != nil {
		return DomainSettings{}, err
	}
	ds.Domain = domain
	return ds, nil
}

// SetDomainSettings implements Store.
func (p *Postgres) SetDomainSettings(ctx context.Context, ds DomainSettings) error {
	args, err := setDomainSettingsArgs(DomainSettings{Domain: pgText(ds.Domain), Badge: ds.Badge})
	if err != nil {
		return err
	}
	if _, err := p.pool.Exec(ctx, rebind(setDomainSettingsSQL), args...); err != nil {
		return fmt.Errorf("store settings of domain %q: %w", ds.Domain, err)
	}
	return nil
}

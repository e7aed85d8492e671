package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// LoadChannels reads a file of channels for Apply (serve --channels): a
// JSON object {"channels": [...]} of Channel objects as their JSON tags
// name them (package configfile reads the same file with alert rules and
// schedules beside them). So that the file can live in Git without its
// secrets, a secret setting (url, header values, secret, email password)
// written as ${NAME} is replaced by the environment variable NAME through
// getenv; one that is not set is an error.
func LoadChannels(path string, getenv func(string) string) ([]Channel, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("channels file: %w", err)
	}
	var file struct {
		Channels json.RawMessage `json:"channels"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("channels file %s: %w", path, err)
	}
	return DecodeChannels(file.Channels, "channels file "+path, getenv)
}

// DecodeChannels reads the JSON array of channels raw (null or empty:
// none), as LoadChannels does, naming where in its errors.
func DecodeChannels(raw json.RawMessage, where string, getenv func(string) string) ([]Channel, error) {
	var list []Channel
	if len(bytes.TrimSpace(raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&list); err != nil {
			return nil, fmt.Errorf("%s: channels: %w", where, err)
		}
	}
	var err error
	seen := map[string]bool{}
	for i := range list {
		c := &list[i]
		where := fmt.Sprintf("%s, channel %d (%s)", where, i+1, c.Name)
		if seen[strings.TrimSpace(c.Name)] {
			return nil, fmt.Errorf("%s: the name is used twice", where)
		}
		seen[strings.TrimSpace(c.Name)] = true
		expand := func(s *string) {
			name, ok := strings.CutPrefix(*s, "${")
			if name, ok2 := strings.CutSuffix(name, "}"); ok && ok2 {
				if v := getenv(name); v != "" {
					*s = v
				} else if err == nil {
					err = fmt.Errorf("%s: the environment variable %s is not set", where, name)
				}
			}
		}
		expand(&c.URL)
		expand(&c.Secret)
		for name, v := range c.Headers {
			expand(&v)
			c.Headers[name] = v
		}
		if c.Email != nil {
			expand(&c.Email.Password)
		}
		if err != nil {
			return nil, err
		}
		c.ID = 0
		if verr := c.Validate(); verr != nil {
			return nil, fmt.Errorf("%s: %w", where, verr)
		}
	}
	return list, nil
}

// Apply makes the stored channels match list by name: a channel of list
// replaces every setting of the stored channel of its name, or is created;
// stored channels whose name list does not have stay as they are (made in
// the dashboard). It returns how many it created and updated.
func (s *Service) Apply(ctx context.Context, list []Channel) (created, updated int, err error) {
	stored, err := s.Store.NotifyChannels(ctx)
	if err != nil {
		return 0, 0, err
	}
	byName := map[string]int64{}
	for _, c := range stored {
		byName[c.Name] = c.ID
	}
	for _, c := range list {
		id, ok := byName[strings.TrimSpace(c.Name)]
		if !ok {
			if _, err := s.CreateChannel(ctx, c); err != nil {
				return created, updated, fmt.Errorf("channel %s: %w", c.Name, err)
			}
			created++
			continue
		}
		_, err := s.UpdateChannel(ctx, id, func(old *Channel) error {
			c.Created = old.Created
			*old = c
			return nil
		})
		if err != nil {
			return created, updated, fmt.Errorf("channel %s: %w", c.Name, err)
		}
		updated++
	}
	return created, updated, nil
}

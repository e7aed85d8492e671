package secretbox

import (
	"fmt"
	"os"
	"strings"
)

// The environment variables FromEnv reads.
const (
	EnvKey     = "PARSE_DMARC_SECRET_KEY"
	EnvKeyFile = "PARSE_DMARC_SECRET_KEY_FILE"
	// EnvOldKeys lists keys that only open, separated by commas: the keys
	// in use before the current one, until every secret is sealed again.
	EnvOldKeys = "PARSE_DMARC_SECRET_KEY_OLD"
)

// FromEnv returns the Box of the keys the environment names through
// getenv, or nil (and no error) when it names none. An old key without a
// current one is an error: it would open secrets that then could not be
// sealed again.
func FromEnv(getenv func(string) string) (*Box, error) {
	s := getenv(EnvKey)
	if file := getenv(EnvKeyFile); s == "" && file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvKeyFile, err)
		}
		s = string(b)
	}
	oldList := strings.TrimSpace(getenv(EnvOldKeys))
	if strings.TrimSpace(s) == "" {
		if oldList != "" {
			return nil, fmt.Errorf("%s is set but %s is not: the current key seals, old keys only open", EnvOldKeys, EnvKey)
		}
		return nil, nil
	}
	key, err := ParseKey(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvKey, err)
	}
	var old [][]byte
	for i, o := range strings.Split(oldList, ",") {
		if strings.TrimSpace(o) == "" {
			continue
		}
		k, err := ParseKey(o)
		if err != nil {
			return nil, fmt.Errorf("%s, key %d: %w", EnvOldKeys, i+1, err)
		}
		old = append(old, k)
	}
	return New(key, old...)
}

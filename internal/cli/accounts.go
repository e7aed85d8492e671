package cli

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/imapsource"
)

// accountsHelp documents the named IMAP accounts, in the help of serve and
// fetch.
const accountsHelp = `More mailboxes: --imap-accounts (PARSE_DMARC_IMAP_ACCOUNTS) names further
IMAP accounts, e.g. "work,lists" (names of a-z, 0-9 and _). Each is set by
variables of the environment or the --config file, its name upper-cased:
  PARSE_DMARC_IMAP_<NAME>_ADDR       host:port (required)
  PARSE_DMARC_IMAP_<NAME>_USER       user name (required)
  PARSE_DMARC_IMAP_<NAME>_PASSWORD   or _PASSWORD_FILE naming a file (required)
  PARSE_DMARC_IMAP_<NAME>_TLS, _MAILBOX, _PROCESSED, _INVALID, _OTHER,
  _INSECURE_SKIP_VERIFY              as the --imap-* flags, with their defaults
The account of the --imap-* flags, when --imap-addr is set, comes first.`

// accountName is what a named account may be called: the name becomes
// part of environment variable names, where only these are portable.
var accountName = regexp.MustCompile(`^[a-z0-9_]+$`)

// accounts returns the IMAP accounts to read, in order: the one of the
// --imap-* flags when --imap-addr is set, then those named by
// --imap-accounts. Variables of accounts not named are not looked for (the
// environment cannot be listed through Env), so a name left out of the
// list silently disables its account. Two accounts on the same mailbox
// are refused: each takes the mailbox's store lock, and the second would
// wait for the first forever.
func (f *imapFlags) accounts(env Env) ([]imapsource.Account, error) {
	var accts []imapsource.Account
	if f.addr != "" {
		a, err := f.account(env)
		if err != nil {
			return nil, err
		}
		accts = append(accts, a)
	}
	seen := map[string]bool{}
	for _, name := range strings.Split(f.names, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !accountName.MatchString(name) {
			return nil, fmt.Errorf("IMAP account %q: a name is made of a-z, 0-9 and _", name)
		}
		if seen[name] {
			return nil, fmt.Errorf("IMAP account %q named twice in --imap-accounts", name)
		}
		seen[name] = true
		a, err := namedAccount(env, name)
		if err != nil {
			return nil, err
		}
		accts = append(accts, a)
	}
	mailboxes := map[string]string{}
	for _, a := range accts {
		lock := lockName(a)
		if other, ok := mailboxes[lock]; ok {
			return nil, fmt.Errorf("IMAP accounts %q and %q read the same mailbox (%s)", other, a.Label(), strings.TrimPrefix(lock, "imap:"))
		}
		mailboxes[lock] = a.Label()
	}
	return accts, nil
}

// namedAccount reads the PARSE_DMARC_IMAP_<NAME>_* settings of account
// name. Errors name the account and the variable.
func namedAccount(env Env, name string) (imapsource.Account, error) {
	prefix := "PARSE_DMARC_IMAP_" + strings.ToUpper(name) + "_"
	get := func(key string) string { return strings.TrimSpace(env.Getenv(prefix + key)) }
	fail := func(format string, args ...any) (imapsource.Account, error) {
		return imapsource.Account{}, fmt.Errorf("IMAP account %q: "+format, append([]any{name}, args...)...)
	}
	a := imapsource.Account{Name: name, Addr: get("ADDR"), Username: get("USER"),
		Mailbox: get("MAILBOX"), ProcessedFolder: get("PROCESSED"), InvalidFolder: get("INVALID"), OtherFolder: get("OTHER")}
	if a.Addr == "" {
		return fail("%sADDR is not set", prefix)
	}
	if _, _, err := net.SplitHostPort(a.Addr); err != nil {
		return fail("%sADDR=%q is not host:port", prefix, a.Addr)
	}
	if a.Username == "" {
		return fail("%sUSER is not set", prefix)
	}
	pw, err := secret(env, prefix+"PASSWORD")
	if err != nil {
		return fail("%w", err)
	}
	if pw == "" {
		return fail("%sPASSWORD (or %sPASSWORD_FILE) is not set", prefix, prefix)
	}
	a.Password = pw
	if v := get("TLS"); v != "" {
		if a.TLS, err = imapsource.ParseMode(v); err != nil {
			return fail("%sTLS: %w", prefix, err)
		}
	}
	if v := get("INSECURE_SKIP_VERIFY"); v != "" {
		if a.InsecureSkipVerify, err = strconv.ParseBool(v); err != nil {
			return fail("%sINSECURE_SKIP_VERIFY=%q: want true or false", prefix, v)
		}
	}
	return a, nil
}

// secret returns the value of the variable name, or else the contents of
// the file named by name_FILE without its final line break; "" when
// neither is set. The value is never part of an error.
func secret(env Env, name string) (string, error) {
	if v := env.Getenv(name); v != "" {
		return v, nil
	}
	file := env.Getenv(name + "_FILE")
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// Package secretbox keeps secrets at rest: the webhook URLs, SMTP
// passwords, custom headers and signing secrets of notification channels
// are sealed with it before the store sees them, so a copy of the database
// (a backup, a replica, a leaked dump) does not carry them readable.
//
// A Box seals with XChaCha20-Poly1305 (golang.org/x/crypto/chacha20poly1305):
// a 256-bit key and a random 192-bit nonce per seal, long enough that
// random nonces never repeat in practice, so no counter needs keeping
// across processes and replicas. Each sealed value names the key that
// sealed it (its key id, derived from the key, never the key itself), so
// keys can rotate: the new key seals, the old ones stay configured to open
// what they sealed until everything is sealed again (Box.Current tells what
// is not).
//
// The key comes from the environment (FromEnv): PARSE_DMARC_SECRET_KEY, or
// PARSE_DMARC_SECRET_KEY_FILE naming a file that holds it, 32 random bytes
// in base64 or hex (openssl rand -base64 32). Older keys, which only open,
// are listed in PARSE_DMARC_SECRET_KEY_OLD. Without a key there is no Box
// and sealing fails with ErrNoKey: a secret is refused rather than kept in
// the clear. FromEnvOrFile, which serve uses, falls back to a key file it
// creates in the data directory (KeyFileName, mode 0600), so that a first
// start needs no setup; its doc says what that costs.
//
// Limits: the associated data given to Seal and Open binds a value to its
// purpose, not to a database row, so someone able to write the database can
// swap two sealed values of the same purpose; such a person can do worse
// anyway. The key is held in memory for the life of the process.
package secretbox

package models

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/oklog/ulid/v2"
)

// newID returns a public ID like "cus_01jd4x…": a type prefix and a ULID, so IDs sort by
// creation time (stable list order, index locality) and say what they point at. The 80
// random bits come from crypto/rand: IDs are not guessable.
func newID(prefix string) string {
	return prefix + "_" + strings.ToLower(ulid.MustNew(ulid.Now(), rand.Reader).String())
}

// validID reports whether id looks like an ID newID made with this prefix, so malformed IDs
// are rejected before they reach a query.
func validID(prefix, id string) bool {
	rest, ok := strings.CutPrefix(id, prefix+"_")
	if !ok || len(rest) != ulid.EncodedSize {
		return false
	}
	_, err := ulid.ParseStrict(rest)
	return err == nil
}

// secretBytes is the entropy of every bearer secret: 256 bits.
const secretBytes = 32

// newSecret returns 256 random bits, base64url without padding (43 characters).
func newSecret() string {
	b := make([]byte, secretBytes)
	rand.Read(b) // never fails (crypto/rand panics on broken entropy sources).
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is what the database keeps of a bearer secret. A plain SHA-256 is enough for
// 256-bit random secrets (ASVS 6.5.2): there is nothing to brute-force.
func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

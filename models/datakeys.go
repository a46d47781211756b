package models

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// DataKeys encrypt secrets at rest (AES-256-GCM): stored API responses that carry a token
// or a signing secret, and later provider credentials and bank accounts. The first key
// seals; every key opens, so keys rotate the way session keys do: put the new key first,
// keep the old one until what it sealed has expired or been rewritten, then drop it.
type DataKeys struct {
	keys      []dataKey // keys[0] seals
	temporary bool      // generated for this process: what it seals is lost at exit
}

type dataKey struct {
	id   [keyIDSize]byte // names the key inside what it sealed, without revealing it
	aead cipher.AEAD
}

// DataKeySize is the length of one data key: 256 bits, for AES-256.
const DataKeySize = 32

// A sealed value is sealedVersion, the sealing key's ID, the nonce, then the ciphertext
// with its tag.
const (
	sealedVersion = 1
	keyIDSize     = 4
)

// ErrUndecryptable means a sealed value cannot be opened with the configured data keys: it
// was sealed with a key that is gone, or it was altered.
var ErrUndecryptable = errors.New("sealed with a data key that is not configured, or altered")

// NewDataKeys returns the keys for sealing and opening; each must be DataKeySize bytes.
func NewDataKeys(keys [][]byte) (*DataKeys, error) {
	if len(keys) == 0 {
		return nil, errors.New("no data key")
	}
	dk := &DataKeys{}
	for i, k := range keys {
		if len(k) != DataKeySize {
			return nil, fmt.Errorf("data key %d is %d bytes, want %d", i+1, len(k), DataKeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		// The ID is a domain-separated hash of the key: it tells keys apart and says nothing
		// usable about them.
		sum := sha256.Sum256(append([]byte("portico data key id\x00"), k...))
		var id [keyIDSize]byte
		copy(id[:], sum[:])
		dk.keys = append(dk.keys, dataKey{id: id, aead: aead})
	}
	return dk, nil
}

// ParseDataKeys reads comma-separated base64 keys (standard or URL alphabet, padding
// optional), the form of the PORTICO_DATA_KEYS setting.
func ParseDataKeys(s string) (*DataKeys, error) {
	var keys [][]byte
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimRight(strings.TrimSpace(part), "=")
		var key []byte
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			if k, err := enc.DecodeString(part); err == nil {
				key = k
				break
			}
		}
		if key == nil {
			return nil, fmt.Errorf("data key %d is not base64", i+1)
		}
		keys = append(keys, key)
	}
	return NewDataKeys(keys)
}

// GenerateDataKeys returns one random key, for development when none is configured: what
// it seals cannot be opened after the process ends.
func GenerateDataKeys() *DataKeys {
	k := make([]byte, DataKeySize)
	rand.Read(k)
	dk, _ := NewDataKeys([][]byte{k})
	dk.temporary = true
	return dk
}

// Temporary reports whether the keys were generated for this process (GenerateDataKeys):
// nothing that must outlive it may be sealed with them.
func (dk *DataKeys) Temporary() bool { return dk.temporary }

// Seal encrypts plaintext with the first key. context binds the result to where it is
// stored (a table and row): a sealed value copied to another row does not open.
func (dk *DataKeys) Seal(plaintext, context []byte) []byte {
	k := dk.keys[0]
	out := make([]byte, 1+keyIDSize, 1+keyIDSize+k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	out[0] = sealedVersion
	copy(out[1:], k.id[:])
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce) // 96 random bits per message: far below GCM's collision bound for our volumes
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plaintext, context)
}

// Open decrypts what Seal produced, with whichever configured key sealed it.
func (dk *DataKeys) Open(sealed, context []byte) ([]byte, error) {
	if len(sealed) < 1+keyIDSize || sealed[0] != sealedVersion {
		return nil, ErrUndecryptable
	}
	for _, k := range dk.keys {
		if [keyIDSize]byte(sealed[1:1+keyIDSize]) != k.id {
			continue
		}
		rest := sealed[1+keyIDSize:]
		if len(rest) < k.aead.NonceSize() {
			return nil, ErrUndecryptable
		}
		plain, err := k.aead.Open(nil, rest[:k.aead.NonceSize()], rest[k.aead.NonceSize():], context)
		if err != nil {
			return nil, ErrUndecryptable
		}
		return plain, nil
	}
	return nil, ErrUndecryptable
}

package models_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/portico/portico/models"
)

func TestDataKeysRotate(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	before, err := models.NewDataKeys([][]byte{oldKey})
	if err != nil {
		t.Fatal(err)
	}
	// After rotation the new key seals; the old one still opens what it sealed.
	after, err := models.ParseDataKeys(base64.StdEncoding.EncodeToString(newKey) + ", " + base64.RawURLEncoding.EncodeToString(oldKey))
	if err != nil {
		t.Fatal(err)
	}
	secret, where := []byte("https://portico.example/p/token"), []byte("idempotency_records\x00mer_1\x00k-1")
	sealedBefore := before.Seal(secret, where)
	if bytes.Contains(sealedBefore, secret) {
		t.Fatal("the sealed value holds the plaintext")
	}
	if got, err := after.Open(sealedBefore, where); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("an old row under the rotated keys: %q, %v", got, err)
	}
	sealedAfter := after.Seal(secret, where)
	if _, err := before.Open(sealedAfter, where); !errors.Is(err, models.ErrUndecryptable) {
		t.Errorf("the old key alone opens what the new one sealed: %v", err)
	}
	dropped, _ := models.NewDataKeys([][]byte{newKey})
	if _, err := dropped.Open(sealedBefore, where); !errors.Is(err, models.ErrUndecryptable) {
		t.Errorf("a row sealed with a dropped key: %v", err)
	}
	// Bound to its place, and tamper-evident.
	if _, err := after.Open(sealedAfter, []byte("elsewhere")); !errors.Is(err, models.ErrUndecryptable) {
		t.Errorf("opened in another context: %v", err)
	}
	tampered := bytes.Clone(sealedAfter)
	tampered[len(tampered)-1] ^= 1
	for _, bad := range [][]byte{tampered, nil, {1}, []byte(`{"plain":"json"}`)} {
		if _, err := after.Open(bad, where); !errors.Is(err, models.ErrUndecryptable) {
			t.Errorf("Open(%q): %v", bad, err)
		}
	}
	if bytes.Equal(after.Seal(secret, where), sealedAfter) {
		t.Error("two seals of the same value are equal: the nonce is not fresh")
	}
}

func TestDataKeysRefuseBadKeys(t *testing.T) {
	for _, setting := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(make([]byte, 16)), base64.StdEncoding.EncodeToString(make([]byte, 33))} {
		if _, err := models.ParseDataKeys(setting); err == nil {
			t.Errorf("ParseDataKeys(%q) accepted", setting)
		}
	}
}

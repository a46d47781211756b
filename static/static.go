// Package static holds Portico's stylesheet and images, embedded in the binary and served
// under content-hashed names so browsers may cache them for a year.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
)

//go:embed *.css *.svg
var files embed.FS

// Asset is one embedded file.
type Asset struct {
	Name        string // as embedded: "portico.css"
	Fingerprint string // "portico.3f2a1b9c4d5e.css"
	ContentType string
	Body        []byte
	// Gzipped is Body compressed once, at the best level, at load; nil when gzip would save
	// too little to be worth a Content-Encoding (a small icon).
	Gzipped []byte
}

// Assets indexes the embedded files by name and by fingerprinted name.
type Assets struct {
	byName        map[string]*Asset
	byFingerprint map[string]*Asset
}

// Load reads and fingerprints every embedded file.
func Load() (*Assets, error) {
	a := &Assets{byName: map[string]*Asset{}, byFingerprint: map[string]*Asset{}}
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		body, err := files.ReadFile(e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		asset := &Asset{
			Name:        e.Name(),
			Fingerprint: strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:6]) + ext,
			ContentType: contentTypes[ext],
			Body:        body,
		}
		if asset.Gzipped, err = gzipped(body); err != nil {
			return nil, err
		}
		a.byName[asset.Name] = asset
		a.byFingerprint[asset.Fingerprint] = asset
	}
	return a, nil
}

// gzipped is body at gzip's best level, or nil when that saves less than a fifth.
func gzipped(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if buf.Len() > len(body)*4/5 {
		return nil, nil
	}
	return buf.Bytes(), nil
}

var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
}

// Path is the URL path of an embedded file: "/static/portico.3f2a1b9c4d5e.css".
func (a *Assets) Path(name string) string {
	if asset, ok := a.byName[name]; ok {
		return "/static/" + asset.Fingerprint
	}
	return "/static/" + name
}

// Fingerprinted finds a file by its fingerprinted name.
func (a *Assets) Fingerprinted(name string) (*Asset, bool) {
	asset, ok := a.byFingerprint[name]
	return asset, ok
}

package portal

import (
	"crypto/hkdf"
	"crypto/sha256"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/sessions"
	"github.com/portico/portico/models"
)

// sessionCookies reads and writes the portal session cookie. It is the one place the cookie
// is configured: gorilla's defaults (no HttpOnly, 30-day sliding expiry) are not used.
type sessionCookies struct {
	store *sessions.CookieStore
	name  string
	memo  decodedCookies
}

// Decoding a cookie (HMAC, AES, gob) cost a portal page more than its session query, for
// the same few cookies over and over: each decoded cookie is remembered for
// decodedCookieTTL, at most maxDecodedCookies of them. Only cookies that decoded are
// remembered, so a forged one is decoded, and refused, every time.
const (
	decodedCookieTTL  = time.Minute
	maxDecodedCookies = 4096
)

// decodedCookies remembers the session IDs cookies decoded to.
type decodedCookies struct {
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]decodedCookie // by the cookie's value
}

type decodedCookie struct {
	sessionID string
	until     time.Time
}

// get returns the session ID value decoded to, if it did within decodedCookieTTL.
func (d *decodedCookies) get(value string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.entries[value]
	if !ok || !d.now().Before(e.until) {
		return "", false
	}
	return e.sessionID, true
}

// put remembers that value decoded to sessionID. When full it first forgets what is
// outdated, then, if it must, an arbitrary entry: a forgotten cookie is decoded again.
func (d *decodedCookies) put(value, sessionID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if len(d.entries) >= maxDecodedCookies {
		for k, e := range d.entries {
			if !now.Before(e.until) {
				delete(d.entries, k)
			}
		}
	}
	for k := range d.entries {
		if len(d.entries) < maxDecodedCookies {
			break
		}
		delete(d.entries, k)
	}
	d.entries[value] = decodedCookie{sessionID: sessionID, until: now.Add(decodedCookieTTL)}
}

// keyPairs derives a signing and an encryption key from each secret, for one purpose, so
// the same configured secrets sign cookies and renewal tickets with unrelated keys.
func keyPairs(secrets [][]byte, purpose string) ([][]byte, error) {
	var pairs [][]byte
	for _, secret := range secrets {
		hashKey, err := hkdf.Key(sha256.New, secret, nil, purpose+": signing", 64)
		if err != nil {
			return nil, err
		}
		blockKey, err := hkdf.Key(sha256.New, secret, nil, purpose+": encryption", 32)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, hashKey, blockKey)
	}
	return pairs, nil
}

// sessionIDValue is the cookie's only content: the ID of the portal_sessions row.
const sessionIDValue = "sid"

// endedSessionGrace is how long a cookie outlives its session. The row decides whether a
// session serves; the cookie only names it, so that a visit after the link expired, after a
// timeout or after signing out still learns whose portal it was and in which language,
// and can say what happened, with the merchant's way back and support address.
const endedSessionGrace = 7 * 24 * time.Hour

// newSessionCookies derives a signing and an encryption key from each configured secret.
// The first pair encodes new cookies; every pair decodes, so keys rotate by prepending.
func newSessionCookies(secrets [][]byte, https bool) (*sessionCookies, error) {
	pairs, err := keyPairs(secrets, "portico session cookie")
	if err != nil {
		return nil, err
	}
	store := sessions.NewCookieStore(pairs...)
	// Cookies older than a session can live, and its grace after, are refused by the codec itself.
	store.MaxAge(int((models.AbsoluteSessionTimeout + endedSessionGrace) / time.Second))
	name := "portico_session"
	if https {
		// __Host-: only set by a secure origin, for the whole host, never a parent domain.
		name = "__Host-portico_session"
	}
	return &sessionCookies{store: store, name: name, memo: decodedCookies{now: time.Now, entries: make(map[string]decodedCookie)}}, nil
}

// read returns the session ID in the request's cookie; a missing, tampered or outdated
// cookie reads as none.
func (sc *sessionCookies) read(r *http.Request) (string, bool) {
	cookie, err := r.Cookie(sc.name)
	if err != nil {
		return "", false
	}
	if id, ok := sc.memo.get(cookie.Value); ok {
		return id, true
	}
	session, err := sc.store.New(r, sc.name)
	if err != nil || session.IsNew {
		return "", false
	}
	id, ok := session.Values[sessionIDValue].(string)
	if !ok || id == "" {
		return "", false
	}
	sc.memo.put(cookie.Value, id)
	return id, true
}

// write sets the cookie for a new session, which lives until the session expires and
// endedSessionGrace after. A session from a link that allows framing needs
// SameSite=None (and Partitioned, so it lives in the embedding site's cookie jar, CHIPS) to
// be sent inside a cross-site iframe; every other session gets Lax. That deviation from
// "Lax or Strict" is deliberate and only embedded sessions take it.
func (sc *sessionCookies) write(w http.ResponseWriter, r *http.Request, sessionID string, framable bool, expires time.Time) error {
	session := sessions.NewSession(sc.store, sc.name)
	session.Values[sessionIDValue] = sessionID
	session.Options = sc.options(framable, int(time.Until(expires.Add(endedSessionGrace))/time.Second))
	return sc.store.Save(r, w, session)
}

// clear removes the cookie from the browser.
func (sc *sessionCookies) clear(w http.ResponseWriter, framable bool) {
	http.SetCookie(w, sessions.NewCookie(sc.name, "", sc.options(framable, -1)))
}

func (sc *sessionCookies) options(framable bool, maxAge int) *sessions.Options {
	o := &sessions.Options{Path: "/", MaxAge: maxAge, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if framable {
		o.SameSite, o.Partitioned = http.SameSiteNoneMode, true
	}
	return o
}

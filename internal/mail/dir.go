package mail

import (
	"context"
	"os"
	"path/filepath"

	gomail "github.com/wneessen/go-mail"

	"github.com/portico/portico/models"
)

// dirTransport writes each message as an .eml file, for development without an SMTP
// server: open it in a mail program, or read the link out of it.
type dirTransport struct {
	dir string
}

// send writes the message to <dir>/<queued time>-<id>.eml. A retry writes the same file
// again, so a message is never there twice.
func (t *dirTransport) send(_ context.Context, msg *gomail.Msg, e *models.ClaimedEmail) (string, error) {
	if err := os.MkdirAll(t.dir, 0o700); err != nil {
		return "", err
	}
	name := filepath.Join(t.dir, e.CreatedAt.UTC().Format("20060102T150405Z")+"-"+e.ID+".eml")
	tmp, err := os.CreateTemp(t.dir, ".writing-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := msg.WriteTo(tmp); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return name, os.Rename(tmp.Name(), name)
}

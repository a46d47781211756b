package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/portico/portico/handlers/api"
	"github.com/portico/portico/migrations"
	"github.com/portico/portico/models"
)

const usage = `Portico: a hosted customer self-service portal.

Usage:
  portico [serve] [--demo]                         start the server (migrates first)
  portico migrate                                  apply pending schema migrations
  portico demo                                     load the demo merchant; print an API key and a portal link
  portico merchant create --name NAME [--slug S]   create a merchant and print its ID
  portico apikey create --merchant ID|SLUG [--name N]
                                                   mint an API key (the secret is printed once)
  portico apikey revoke PREFIX                     revoke an API key at once
  portico link --merchant ID|SLUG --customer ID|external:ID [--expires-in 24h]
               [--frame-ancestors "https://a.example ..."] [--section invoices] [--locale de]
                                                   mint a portal link and print its URL

Every command takes the settings below as flags or environment variables (flags win).
Run "portico COMMAND -h" to list them.
`

// command is one subcommand: its flags beyond the shared settings, and what it does.
type command struct {
	flags func(fs *flag.FlagSet) func(ctx context.Context, e *env) error
}

// env is what a command runs with: its settings, output and an open store.
type env struct {
	cfg    *config
	args   []string
	stdout io.Writer
	stderr io.Writer
	db     *models.DB
	store  *models.Store
}

var commands = map[string]command{
	"serve":           {flags: serveFlags},
	"migrate":         {flags: noFlags(migrateCommand)},
	"demo":            {flags: noFlags(demoCommand)},
	"merchant create": {flags: merchantCreateFlags},
	"apikey create":   {flags: apikeyCreateFlags},
	"apikey revoke":   {flags: noFlags(apikeyRevokeCommand)},
	"link":            {flags: linkFlags},
}

// run parses the command line and runs one command.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name, args := commandName(args)
	if name == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", name)
	}
	fs := newFlagSet()
	fs.SetOutput(stderr)
	values := addConfigFlags(fs, getenv)
	action := cmd.flags(fs)
	positional, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	cfg, err := parseConfig(values)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	db, err := models.OpenDB(cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrations.Up(db.Writer()); err != nil {
		return err
	}
	return action(ctx, &env{cfg: cfg, args: positional, stdout: stdout, stderr: stderr, db: db, store: models.NewStore(db,
		models.WithDataKeys(cfg.DataKeys),
		models.WithWebhookPolicy(models.WebhookPolicy{AllowPrivate: cfg.AllowPrivateWebhooks}))})
}

// parseInterspersed parses flags wherever they stand, so "apikey revoke PREFIX --database x"
// works as well as "apikey revoke --database x PREFIX".
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional, args = append(positional, args[0]), args[1:]
	}
}

func newFlagSet() *flag.FlagSet { return flag.NewFlagSet("portico", flag.ContinueOnError) }

// commandName splits the command's name (one or two words) from its flags and arguments.
func commandName(args []string) (string, []string) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "serve", args
	}
	switch args[0] {
	case "-h", "--help", "help":
		return "help", nil
	case "merchant", "apikey":
		if len(args) > 1 {
			return args[0] + " " + args[1], args[2:]
		}
	}
	return args[0], args[1:]
}

func noFlags(fn func(ctx context.Context, e *env) error) func(*flag.FlagSet) func(context.Context, *env) error {
	return func(*flag.FlagSet) func(context.Context, *env) error { return fn }
}

func migrateCommand(ctx context.Context, e *env) error {
	applied, err := migrations.Applied(e.db.Writer())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "schema is at %s (%d migrations applied)\n", migrations.Latest(), len(applied))
	return nil
}

func merchantCreateFlags(fs *flag.FlagSet) func(context.Context, *env) error {
	name := fs.String("name", "", "the merchant's name (required)")
	slug := fs.String("slug", "", "short unique name for the command line (default: from the name)")
	return func(ctx context.Context, e *env) error {
		m, err := e.store.CreateMerchant(ctx, *name, *slug)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "merchant %s created (slug %s)\n", m.ID, m.Slug)
		return nil
	}
}

func apikeyCreateFlags(fs *flag.FlagSet) func(context.Context, *env) error {
	merchant := fs.String("merchant", "", "merchant ID or slug (required)")
	name := fs.String("name", "", "a name to tell the key apart")
	return func(ctx context.Context, e *env) error {
		m, err := e.store.FindMerchant(ctx, *merchant)
		if err != nil {
			return fmt.Errorf("merchant %q: %w", *merchant, err)
		}
		key, secret, err := e.store.CreateAPIKey(ctx, m.ID, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "API key %s for %s (shown once, keep it safe):\n%s\n", key.Prefix, m.Name, secret)
		return nil
	}
}

func apikeyRevokeCommand(ctx context.Context, e *env) error {
	if len(e.args) != 1 {
		return errors.New("usage: portico apikey revoke PREFIX")
	}
	key, err := e.store.RevokeAPIKey(ctx, e.args[0])
	if err != nil {
		return fmt.Errorf("API key %q: %w", e.args[0], err)
	}
	fmt.Fprintf(e.stdout, "API key %s revoked\n", key.Prefix)
	return nil
}

func linkFlags(fs *flag.FlagSet) func(context.Context, *env) error {
	merchant := fs.String("merchant", "", "merchant ID or slug (required)")
	customer := fs.String("customer", "", "customer ID or external:ID (required)")
	expiresIn := fs.Duration("expires-in", models.DefaultLinkLifetime, "how long the link works")
	frame := fs.String("frame-ancestors", "", "space-separated origins allowed to show the portal in an iframe")
	section := fs.String("section", "", "where the link lands: overview, invoices, invoice:<id>, …")
	locale := fs.String("locale", "", "language of the portal: "+strings.Join(models.Locales, ", "))
	returnURL := fs.String("return-url", "", "where \"back to the merchant\" leads")
	return func(ctx context.Context, e *env) error {
		m, err := e.store.FindMerchant(ctx, *merchant)
		if err != nil {
			return fmt.Errorf("merchant %q: %w", *merchant, err)
		}
		in := models.PortalLinkInput{
			ExpiresIn: *expiresIn, FrameAncestors: strings.Fields(*frame),
			Section: *section, Locale: *locale, ReturnURL: *returnURL,
		}
		url, link, err := mintLink(ctx, e, m.ID, *customer, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n(expires %s)\n", url, link.ExpiresAt.Format(time.RFC3339))
		return nil
	}
}

// mintLink mints a portal link from the command line and returns its URL.
func mintLink(ctx context.Context, e *env, merchantID, customerRef string, in models.PortalLinkInput) (string, *models.PortalLink, error) {
	link, token, err := e.store.MintPortalLink(ctx, models.MerchantScope(merchantID).Customer(customerRef), models.SystemActor, in)
	if err != nil {
		return "", nil, fmt.Errorf("customer %q: %w", customerRef, err)
	}
	return api.PortalLinkURL(e.cfg.BaseURL, token), link, nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/portico/portico/handlers/api"
	"github.com/portico/portico/migrations"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// command is one subcommand: how it is called, what it does in one line, its flags beyond
// the shared settings, and what it needs of the database.
type command struct {
	name     string // one or two words: "serve", "apikey create"
	args     string // what follows the name in its usage line
	summary  string
	flags    func(fs *flag.FlagSet) func(ctx context.Context, e *env) error
	database databaseUse
}

// databaseUse says how a command opens the database.
type databaseUse int

const (
	// migrated: checked (SQLite's quick_check) and migrated before the command runs.
	migrated databaseUse = iota
	// asItIs: opened without checks or migrations, for the commands that examine or copy it.
	asItIs
	// noDatabase: not opened at all.
	noDatabase
)

// env is what a command runs with: its settings, output, logger and (unless it needs none)
// an open store.
type env struct {
	cfg    *config
	args   []string
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	db     *models.DB
	store  *models.Store
}

// commands lists every subcommand in the order help shows them; serve is the default.
var commands = []command{
	{name: "serve", args: "[--demo]", summary: "start the server (the default command); migrates first", flags: serveFlags},
	{name: "migrate", summary: "apply pending schema migrations", flags: noFlags(migrateCommand)},
	{name: "demo", summary: "load the demo merchant (slug demo); print an API key and a portal link", flags: noFlags(demoCommand)},
	{name: "merchant create", args: "--name NAME [--slug SLUG]", summary: "create a merchant and print its ID", flags: merchantCreateFlags},
	{name: "apikey create", args: "--merchant ID|SLUG [--name NAME]", summary: "mint an API key (the secret is printed once)", flags: apikeyCreateFlags},
	{name: "apikey revoke", args: "PREFIX", summary: "revoke an API key at once", flags: noFlags(apikeyRevokeCommand)},
	{name: "link", args: "--merchant ID|SLUG --customer ID|external:ID [flags]", summary: "mint a portal link and print its URL", flags: linkFlags},
	{name: "backup", args: "FILE", summary: "write a consistent copy of the live SQLite database to FILE (PostgreSQL: use pg_dump)", flags: noFlags(backupCommand), database: asItIs},
	{name: "check", summary: "check the database: SQLite's full integrity_check, then a read and a write", flags: noFlags(checkCommand), database: asItIs},
	{name: "healthcheck", summary: "ask the Portico at --addr whether it is ready; exit 0 if so (for container health checks)", flags: noFlags(healthcheckCommand), database: noDatabase},
}

// usage is what `portico --help` prints: every command with its one line.
func usage() string {
	var b strings.Builder
	b.WriteString("Portico: a hosted customer self-service portal for billing.\n\nUsage: portico COMMAND [flags] [arguments]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-16s %s\n", c.name, c.summary)
	}
	b.WriteString("\nEvery command takes the settings (--addr, --database, …) as flags or PORTICO_* environment\n" +
		"variables; flags win. \"portico COMMAND -h\" shows a command's arguments and flags.\n")
	return b.String()
}

func findCommand(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// run parses the command line and runs one command.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name, args := commandName(args)
	if name == "help" {
		fmt.Fprint(stdout, usage())
		return nil
	}
	cmd, ok := findCommand(name)
	if !ok {
		fmt.Fprint(stderr, usage())
		return fmt.Errorf("unknown command %q", name)
	}
	fs := newFlagSet()
	fs.SetOutput(stderr)
	values := addConfigFlags(fs, getenv)
	action := cmd.flags(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: portico %s %s\n\n%s.\n\nFlags:\n", cmd.name, cmd.args, cmd.summary)
		fs.PrintDefaults()
	}
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
	e := &env{cfg: cfg, args: positional, getenv: getenv, stdout: stdout, stderr: stderr, log: cfg.logger(stderr)}
	if cmd.database == noDatabase {
		return action(ctx, e)
	}
	if path, ok := models.SQLiteFile(cfg.Database); ok && cmd.database == asItIs {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("no database to %s: %w", cmd.name, err)
		}
	}
	e.log.Info("opening the database", "database", models.DescribeDatabase(cfg.Database))
	if e.db, err = models.OpenDB(cfg.Database); err != nil {
		return refuseDamage(err)
	}
	defer e.db.Close()
	e.store = models.NewStore(e.db,
		models.WithDataKeys(cfg.DataKeys),
		models.WithLinks(models.Links{BaseURL: cfg.BaseURL, ProviderHook: views.ProviderHookURL}),
		models.WithWebhookPolicy(models.WebhookPolicy{AllowPrivate: cfg.AllowPrivateWebhooks}))
	if cmd.database == migrated {
		if err := checkBeforeStart(ctx, e); err != nil {
			return err
		}
		if err := migrations.Up(e.db.Writer(), migrations.SealWith(cfg.DataKeys)); err != nil {
			return err
		}
		// IBANs kept in the clear before they were sealed are sealed now: that needs the
		// data keys, which the migrations do not have.
		if n, err := e.store.SealPaymentDetails(ctx); err != nil {
			return err
		} else if n > 0 {
			e.log.Info("sealed the IBANs on file with the data keys", "rows", n)
		}
	}
	return action(ctx, e)
}

// checkBeforeStart runs SQLite's quick_check on a file small enough to check quickly, so
// Portico never starts serving (and writing) on a damaged file.
func checkBeforeStart(ctx context.Context, e *env) error {
	checked, err := e.db.QuickCheck(ctx)
	if err != nil {
		return refuseDamage(err)
	}
	if !checked && e.db.Dialect == models.SQLite {
		e.log.Warn("the database file is too large to check at every start; run portico check regularly",
			"limit_bytes", models.QuickCheckMaxSize)
	}
	return nil
}

// refuseDamage adds what to do to an error that says the database file is damaged.
func refuseDamage(err error) error {
	if errors.Is(err, models.ErrDatabaseCorrupt) {
		return fmt.Errorf("%w\nPortico will not run on a damaged database file: restore the latest backup "+
			"(README, \"Backups and restore\"); portico check lists every problem", err)
	}
	return err
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
// Without a name the command is serve; help alone is asked with -h, --help or help.
func commandName(args []string) (string, []string) {
	if len(args) == 0 {
		return "serve", args
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		return "help", nil
	case "merchant", "apikey":
		if len(args) > 1 {
			return args[0] + " " + args[1], args[2:]
		}
	}
	if strings.HasPrefix(args[0], "-") {
		return "serve", args
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

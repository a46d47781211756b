package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/portico/portico/handlers"
	"github.com/portico/portico/internal/mail"
	"github.com/portico/portico/internal/outbox"
	"github.com/portico/portico/internal/payments/stripe"
	"github.com/portico/portico/internal/webhook"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
	"github.com/prometheus/client_golang/prometheus"
)

func serveFlags(fs *flag.FlagSet) func(context.Context, *env) error {
	demo := fs.Bool("demo", false, "load the demo merchant if missing, and print a demo API key and portal link")
	return func(ctx context.Context, e *env) error {
		e.cfg.ensureSessionKey(e.log)
		e.cfg.warnTemporaryDataKeys(e.log)
		// A database that cannot be written (a read-only file or mount, a standby) is a
		// configuration error: say so now rather than answer every write with a 500.
		probe, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := e.db.Ready(probe); err != nil {
			return fmt.Errorf("the database cannot serve: %w", err)
		}
		return serve(ctx, e, e.log, *demo)
	}
}

// serveMetrics serves /metrics on a listener of its own, off the public port. It is not
// essential to serving customers: when its address is taken, Portico logs the error and
// serves on without it (the scraper's "up" series shows the gap).
func serveMetrics(addr string, reg *prometheus.Registry, log *slog.Logger) *http.Server {
	srv := &http.Server{Handler: handlers.MetricsHandler(reg), ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	if addr == "" {
		return srv
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Error("metrics listener: not serving /metrics", "err", err)
		return srv
	}
	go srv.Serve(ln)
	log.Info("metrics are served", "url", "http://"+ln.Addr().String()+"/metrics")
	return srv
}

// serve runs the HTTP server until SIGINT or SIGTERM, then lets in-flight requests finish.
func serve(ctx context.Context, e *env, log *slog.Logger, demo bool) error {
	// One registry for /metrics: the HTTP series and the webhook deliverer's.
	registry := prometheus.NewRegistry()
	deliverer := webhook.NewDeliverer(e.store, log)
	if err := deliverer.Register(registry); err != nil {
		return err
	}
	mailer, err := newMailer(e, log)
	if err != nil {
		return err
	}
	if err := mailer.Register(registry); err != nil {
		return err
	}
	tp, endpoint, err := startTracing(ctx, e.getenv)
	if err != nil {
		return err
	}
	opts := handlers.Options{
		BaseURL:          e.cfg.BaseURL,
		SessionKeys:      e.cfg.SessionKeys,
		TrustedProxies:   e.cfg.TrustedProxies,
		APIRate:          e.cfg.APIRate,
		APIBurst:         e.cfg.APIBurst,
		LinkRate:         e.cfg.LinkRate,
		Logger:           log,
		Metrics:          registry,
		MaxInFlight:      e.cfg.MaxInFlight,
		RequestTimeout:   e.cfg.RequestTimeout,
		PaymentProviders: []models.PaymentProvider{stripe.New(e.cfg.StripeAPIURL)},
	}
	if tp != nil {
		// Spans still buffered go out before Portico exits.
		defer tp.Shutdown(context.WithoutCancel(ctx))
		if err := e.db.Trace(tp); err != nil {
			return err
		}
		opts.TracerProvider = tp
		log.Info("tracing: exporting spans over OTLP/HTTP", "endpoint", endpoint)
	}
	app, err := handlers.New(e.store, opts)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    handlers.ServerMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	metrics := serveMetrics(e.cfg.MetricsAddr, opts.Metrics, log)
	defer metrics.Close()

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("portico is listening", "addr", ln.Addr().String(), "base_url", e.cfg.BaseURL.String())
	log.Info("mail is "+e.cfg.mailDestination(), "from", e.cfg.MailFrom)
	if host := e.cfg.BaseURL.Hostname(); e.cfg.BaseURL.Scheme == "http" && host != "localhost" && host != "127.0.0.1" {
		log.Warn("the base URL is plain http on a host other than localhost: browsers will not keep the portal's Secure session cookie; use https")
	}

	// Webhooks and mail go out from the outbox in the background, sharing its slots. At
	// shutdown no new attempt starts, and those in flight finish (each within its attempt
	// timeout). Expired Idempotency-Key records are swept beside them.
	delivering, sweeping := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(delivering)
		outbox.NewRunner(log, deliverer, mailer).Run(ctx)
	}()
	go func() {
		defer close(sweeping)
		sweepIdempotencyRecords(ctx, e.store, log, idempotencySweepInterval)
	}()
	if e.cfg.AllowPrivateWebhooks {
		log.Warn("webhooks may go to loopback and private addresses (--allow-private-webhooks): for development only")
	}

	if demo {
		if err := printDemo(ctx, e); err != nil {
			srv.Close()
			return err
		}
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", e.cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), e.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-delivering
	<-sweeping
	log.Info("portico stopped")
	return nil
}

// newMailer is the mail queue as configured: an SMTP server, or .eml files in a directory.
func newMailer(e *env, log *slog.Logger) (*mail.Mailer, error) {
	catalog, err := views.LoadCatalog()
	if err != nil {
		return nil, err
	}
	return mail.New(e.store, catalog, mail.Config{
		SMTPURL: e.cfg.SMTPURL, From: e.cfg.MailFrom, Dir: e.cfg.MailDir, BaseURL: e.cfg.BaseURL,
	}, log)
}

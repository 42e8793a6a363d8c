// Command webportal is a complete customer portal in the browser, built on
// the portal library with nothing but net/http and html/template: log in,
// register with consent, reset a password, see the ticket list with the
// configured columns, switch between the organization's tickets and one's
// own, filter, search, sort, page, open a ticket and its conversation,
// reply with formatted text and attachments, close it, submit a new one
// through the support form, download the view as CSV, and preview the
// portal as a contact (for helpdesk users). It works with JavaScript off.
//
//	go run ./examples/webportal                    # SQLite file in a temporary directory
//	go run ./examples/webportal -db portal.db      # a SQLite file of your own
//	go run ./examples/webportal -postgres "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
//
// It seeds a demo helpdesk (portaltest's data, themed) and prints the URL
// and the demo logins. Mails (invitations, registration and reset links)
// are printed to the log unless -smtp names a mail server.
//
// Security: the session cookie is HttpOnly, SameSite=Lax and Secure over
// TLS (or with -secure behind a TLS proxy); every form carries a CSRF
// token and cross-origin posts are refused; the Content-Security-Policy
// allows no inline script; error pages say nothing of the cause.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver
	_ "modernc.org/sqlite"             // the SQLite driver, pure Go

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/blobs"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/smtpmail"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

type flags struct {
	host, db, postgres, files, lang, smtp, from, agentPassword string
	port                                                       int
	tenant                                                     string
	secure                                                     bool
	tickets                                                    int
}

func main() {
	var f flags
	flag.StringVar(&f.host, "host", "127.0.0.1", "address to listen on")
	flag.IntVar(&f.port, "port", 8080, "port to listen on (0: any free port)")
	flag.StringVar(&f.db, "db", "", "SQLite database file (default: a new file in a temporary directory)")
	flag.StringVar(&f.postgres, "postgres", "", "PostgreSQL DSN to use instead of SQLite")
	flag.StringVar(&f.files, "files", "", "directory for attachments (default: beside the SQLite file, or temporary)")
	flag.StringVar(&f.tenant, "tenant", "", "serve this existing tenant of the database instead of seeding a demo")
	flag.StringVar(&f.lang, "lang", "en", "the demo portal's language (S2): en or da")
	flag.IntVar(&f.tickets, "tickets", 300, "how many demo tickets to generate")
	flag.StringVar(&f.smtp, "smtp", "", "SMTP server host:port for the portal's mails (default: print them)")
	flag.StringVar(&f.from, "from", "support@nordlys.example", "sender of the portal's mails, with -smtp")
	flag.StringVar(&f.agentPassword, "agent-password", "", "password of the helpdesk user \"agent\" for the preview (default: random)")
	flag.BoolVar(&f.secure, "secure", false, "mark cookies Secure (behind a TLS-terminating proxy)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, f); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

func run(ctx context.Context, f flags) error {
	logger := log.New(os.Stderr, "", log.LstdFlags)
	st, files, closeAll, err := openStore(ctx, f)
	if err != nil {
		return err
	}
	defer closeAll()
	ln, err := net.Listen("tcp", net.JoinHostPort(f.host, fmt.Sprint(f.port)))
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()

	mail := &devMailer{log: logger}
	var mailer portal.Mailer = mail
	if f.smtp != "" {
		mailer = &smtpmail.Mailer{Addr: f.smtp, From: f.from}
	}
	auth := portal.AuthOptions{Link: func(_ portal.Settings, kind portal.TokenKind, token string) string {
		return base + "/" + string(kind) + "?token=" + url.QueryEscape(token)
	}}
	p, err := portal.New(st, portal.Options{Blobs: files, Mailer: mailer, Auth: auth, Now: demoClock()})
	if err != nil {
		return err
	}

	c := config{Portal: p, Key: make([]byte, 32), Secure: f.secure, Log: logger}
	rand.Read(c.Key)
	if c.PortalID, err = uuid.Parse(f.tenant); f.tenant != "" && err != nil {
		return fmt.Errorf("-tenant: %w", err)
	}
	var d *demo
	if c.PortalID == uuid.Nil {
		fmt.Println("Seeding the demo helpdesk …")
		if d, err = seedDemo(ctx, p, mail, f.lang, portaltest.Size{Companies: 6, Tickets: f.tickets}); err != nil {
			return err
		}
		c.PortalID, c.Directory = d.tenant(), d.data.Contacts
	}
	agentPassword := f.agentPassword
	if agentPassword == "" {
		agentPassword = rand.Text()[:12]
	}
	c.Agents = map[string]string{"agent": agentPassword}
	srv, err := newServer(c)
	if err != nil {
		return err
	}
	go housekeeping(ctx, p, c.PortalID, logger)

	fmt.Printf("\nThe customer portal is at %s/\n", base)
	if d != nil {
		fmt.Printf("\nDemo logins (password %q):\n", demoPassword)
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		for _, l := range d.logins {
			fmt.Fprintf(w, "  %s\t%s\t%s\n", l.Email, l.Name, l.Company)
		}
		w.Flush()
	}
	fmt.Printf("\nHelpdesk preview (A5): %s/internal/preview as user \"agent\", password %q\n", base, agentPassword)
	fmt.Printf("Tenant %s; restart with -tenant %s on the same database to keep this portal.\n\n", c.PortalID, c.PortalID)

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: logger}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hs.Shutdown(shutdown)
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// demoClock is the portal's clock: the demo data lies in the two years
// before portaltest.BaseTime, so the demo lives on a clock that started
// there when the process did.
func demoClock() func() time.Time {
	start := time.Now()
	return func() time.Time { return portaltest.BaseTime.Add(time.Since(start)) }
}

// openStore opens the SQL store the flags name and the attachments'
// directory.
func openStore(ctx context.Context, f flags) (portal.Store, portal.Blobs, func(), error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	fail := func(err error) (portal.Store, portal.Blobs, func(), error) {
		closeAll()
		return nil, nil, nil, err
	}
	dir := f.files
	var db *sql.DB
	var dialect sqlstore.Dialect
	var err error
	if f.postgres != "" {
		dialect = sqlstore.Postgres
		if db, err = sql.Open("pgx", f.postgres); err != nil {
			return fail(err)
		}
		fmt.Println("Store: PostgreSQL")
	} else {
		path := f.db
		if path == "" {
			tmp, err := os.MkdirTemp("", "portal-webportal-")
			if err != nil {
				return fail(err)
			}
			closers = append(closers, func() { os.RemoveAll(tmp) })
			path = filepath.Join(tmp, "portal.db")
		}
		if dir == "" {
			dir = path + ".files"
		}
		dialect = sqlstore.SQLite
		if db, err = sql.Open("sqlite", sqlstore.SQLiteDSN(path)); err != nil {
			return fail(err)
		}
		fmt.Printf("Store: SQLite %s\n", path)
	}
	closers = append(closers, func() { db.Close() })
	st, err := sqlstore.Open(ctx, db, dialect)
	if err != nil {
		return fail(err)
	}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "portal-webportal-files-")
		if err != nil {
			return fail(err)
		}
		closers = append(closers, func() { os.RemoveAll(tmp) })
		dir = tmp
	}
	files, err := blobs.OpenDir(dir)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { files.Close() })
	return st, files, closeAll, nil
}

// housekeeping is the helpdesk's side of the portal, in miniature: it
// receives the customers' replies, closes and submissions from the outbox
// as they commit (and logs them, where a helpdesk would put them in its
// inbox), sends the mails customers' requests queue, and purges ended
// sessions and used tokens every ten minutes.
func housekeeping(ctx context.Context, p *portal.Portal, tenant uuid.UUID, logger *log.Logger) {
	go func() {
		err := p.RunMailDelivery(ctx, tenant, portal.DeliverOptions{OnError: func(err error) { logger.Printf("mail: %v", err) }})
		if err != nil && ctx.Err() == nil {
			logger.Printf("mail delivery stopped: %v", err)
		}
	}()
	go func() {
		err := p.RunDelivery(ctx, tenant, func(_ context.Context, e portal.Event) error {
			logger.Printf("helpdesk received %s on ticket %s (event %d, channel %s)", e.Kind, e.TicketID, e.Seq, e.ChannelID)
			return nil
		}, portal.DeliverOptions{})
		if err != nil && ctx.Err() == nil {
			logger.Printf("delivery stopped: %v", err)
		}
	}()
	tick := time.NewTicker(10 * time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, _, err := p.PurgeExpired(ctx, tenant); err != nil && ctx.Err() == nil {
			logger.Printf("purge: %v", err)
		}
	}
}

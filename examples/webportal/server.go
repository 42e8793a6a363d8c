package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"

	"golang.org/x/text/language"
	msgfmt "golang.org/x/text/message"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Cookie names. The session cookie holds the session's token (the store
// keeps only its SHA-256); the CSRF cookie holds a random value whose MAC,
// with the session's token, every form carries. Over TLS (or with Secure)
// the names take the __Host- prefix, which browsers keep for cookies that
// are Secure, for the whole site and for this host alone: no other site
// or subdomain can plant them.
const (
	sessionCookie = "portal_session"
	csrfCookie    = "portal_csrf"
	csrfField     = "csrf"
)

// config is what a server needs. The zero value of every optional field
// works.
type config struct {
	Portal   *portal.Portal
	PortalID uuid.UUID
	// Key signs the forms' CSRF tokens: at least 32 random bytes, shared by
	// every instance behind one address.
	Key []byte
	// Secure marks cookies Secure even on plain HTTP requests, for a server
	// behind a TLS-terminating proxy. Requests that arrive over TLS always
	// get Secure cookies.
	Secure bool
	// Agents are the helpdesk users who may open a preview (A5), by name
	// with their password; the preview page asks for them with HTTP basic
	// authentication. A real helpdesk checks its own login instead.
	Agents map[string]string
	// Directory lists contacts on the preview page, for the demo.
	Directory []portal.Contact
	// Limits and MinPassword are what the Portal was configured with
	// (portal.Options.Attachments, AuthOptions.MinPasswordLength), for the
	// hints on the forms and the status of an oversized upload; zero values
	// are the portal's defaults.
	Limits      portal.AttachmentLimits
	MinPassword int
	// MaxUpload bounds a request body in bytes; default: as many files as
	// a reply may attach, each of the largest size allowed, plus 1 MiB of
	// text, so that a reply whose every file is within the stated limits
	// is read whole and, when the files are too many or too large in all,
	// shown again with its text and the reason. Only a larger body gets
	// the bare "too large" page.
	MaxUpload int64
	// Log receives server-side errors; default log.Default().
	Log *log.Logger
	// Now is the clock of export file names; default time.Now.
	Now func() time.Time
}

// server is the customer portal over HTTP: it holds no state of its own
// beyond its templates; sessions live in the portal's store, so any
// number of servers can serve one portal.
type server struct {
	config
	pages   map[string]*template.Template
	origins *http.CrossOriginProtection
	handler http.Handler
	missing sync.Map // the templates the settings named and the server lacks
}

// The pages that are not system pages (S12).
var pageNames = []string{"tickets", "ticket", "form", "error", "internal"}

// newServer returns the portal's HTTP handler.
func newServer(c config) (*server, error) {
	if c.Portal == nil || c.PortalID == uuid.Nil {
		return nil, errors.New("webportal: a portal and a tenant are required")
	}
	if len(c.Key) < 32 {
		return nil, errors.New("webportal: the key must have at least 32 bytes")
	}
	if c.Log == nil {
		c.Log = log.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Limits = c.Limits.WithDefaults()
	if c.MinPassword == 0 {
		c.MinPassword = portal.AuthOptions{}.WithDefaults().MinPasswordLength
	}
	if c.MaxUpload == 0 {
		c.MaxUpload = int64(c.Limits.MaxFiles)*c.Limits.MaxFileSize + 1<<20
	}
	s := &server{config: c, pages: map[string]*template.Template{}, origins: http.NewCrossOriginProtection()}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, file := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFiles, file)
		if err != nil {
			return nil, err
		}
		s.pages[name] = t
	}
	for _, name := range append(pageNames, systemPageNames(portal.DefaultSettings().SystemPages)...) {
		if s.pages[name] == nil {
			return nil, fmt.Errorf("webportal: no template %q", name)
		}
	}
	s.origins.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.anonymous(func(w http.ResponseWriter, r *http.Request, v *visit) {
			s.fail(w, v, errCSRF)
		})(w, r)
	}))
	s.handler = s.securityHeaders(s.routes())
	return s, nil
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// routes maps every URL of the portal to its handler.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))
	mux.HandleFunc("GET /theme.css", s.anonymous(s.theme))
	mux.HandleFunc("GET /{$}", s.anonymous(s.home))

	// Getting in (S11–S13, A2–A4, A7, P9).
	mux.HandleFunc("GET /login", s.anonymous(s.loginPage))
	mux.HandleFunc("POST /login", s.anonymous(s.login))
	mux.HandleFunc("POST /logout", s.anonymous(s.logout))
	mux.HandleFunc("GET /logged-out", s.anonymous(s.loggedOut))
	mux.HandleFunc("GET /register", s.anonymous(s.registerPage))
	mux.HandleFunc("POST /register", s.anonymous(s.register))
	mux.HandleFunc("GET /reset-request", s.anonymous(s.resetRequestPage))
	mux.HandleFunc("POST /reset-request", s.anonymous(s.resetRequest))
	for _, kind := range []portal.TokenKind{portal.TokenInvitation, portal.TokenRegistration, portal.TokenReset} {
		mux.HandleFunc("GET /"+string(kind), s.anonymous(s.passwordPage(kind)))
		mux.HandleFunc("POST /"+string(kind), s.anonymous(s.setPassword(kind)))
	}
	mux.HandleFunc("GET /signin-request", s.anonymous(s.signInRequestPage))
	mux.HandleFunc("POST /signin-request", s.anonymous(s.signInRequest))
	mux.HandleFunc("GET /signin", s.anonymous(s.signInPage))
	mux.HandleFunc("POST /signin", s.anonymous(s.signIn))
	mux.HandleFunc("GET /access-denied", s.anonymous(s.accessDenied))
	mux.HandleFunc("GET /internal/preview", s.anonymous(s.agent(s.previewPage)))
	mux.HandleFunc("POST /internal/preview", s.anonymous(s.agent(s.preview)))

	// Using the portal (P1–P8).
	mux.HandleFunc("GET /tickets", s.customer(s.list))
	mux.HandleFunc("GET /tickets/export.csv", s.customer(s.export))
	mux.HandleFunc("GET /tickets/{id}", s.customer(s.detail))
	mux.HandleFunc("POST /tickets/{id}/reply", s.customer(s.reply))
	mux.HandleFunc("POST /tickets/{id}/close", s.customer(s.closeTicket))
	mux.HandleFunc("POST /tickets/{id}/reopen", s.customer(s.reopenTicket))
	mux.HandleFunc("POST /tickets/{id}/rate", s.customer(s.rate))
	mux.HandleFunc("POST /tickets/{id}/participants", s.customer(s.addParticipant))
	mux.HandleFunc("POST /tickets/{id}/participants/{contact}/remove", s.customer(s.removeParticipant))
	mux.HandleFunc("GET /tickets/{id}/attachments/{attachment}", s.customer(s.attachment))
	mux.HandleFunc("GET /profile", s.customer(s.profilePage))
	mux.HandleFunc("POST /profile", s.customer(s.updateProfile))
	mux.HandleFunc("POST /profile/password", s.customer(s.changePassword))
	mux.HandleFunc("POST /profile/email", s.customer(s.requestEmail))
	mux.HandleFunc("POST /profile/sessions/{session}/end", s.customer(s.endOwnSession))
	mux.HandleFunc("GET /email", s.anonymous(s.emailPage))
	mux.HandleFunc("POST /email", s.anonymous(s.confirmEmail))
	mux.HandleFunc("GET /new", s.customer(s.formPage))
	mux.HandleFunc("POST /new", s.customer(s.submit))

	mux.HandleFunc("/", s.anonymous(func(w http.ResponseWriter, r *http.Request, v *visit) {
		s.fail(w, v, portal.ErrNotFound)
	}))
	return mux
}

// securityHeaders sets what every response carries: a Content-Security-
// Policy that allows nothing from elsewhere and no inline script (a visit
// adds the theme's logo to its images), no framing, no MIME sniffing, no
// referrer leaving the site (links in mails carry tokens), and over TLS
// the demand to stay on it.
func (s *server) securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentPolicy(""))
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.Secure || r.TLS != nil {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

// contentPolicy is the Content-Security-Policy of a page whose images may
// also come from logo, an https origin ("" for none).
func contentPolicy(logo string) string {
	img := "'self'"
	if logo != "" {
		img += " " + logo
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + img +
		"; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// staticHandler serves the embedded files, cached for a day.
func staticHandler(root fs.FS) http.Handler {
	files := http.FileServerFS(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// A visit is one request as the pages see it: the portal's settings, the
// strings of its language, the form token and, once logged in, the
// session and its contact.
type visit struct {
	r        *http.Request
	Settings portal.Settings
	Lang     string
	cat      catalog
	CSRF     string
	// Session is set for a logged-in customer or a preview.
	Session *portal.Session
	Contact portal.Contact
	// Agent is the helpdesk user on the internal pages.
	Agent string
	// zone is where the visitor reads times: its own time zone, else the
	// portal's, else UTC (X3).
	zone *time.Location
}

// When writes t as the visitor reads it: in its time zone, which it names.
func (v *visit) When(t time.Time) string {
	if v.zone == nil {
		v.zone = time.UTC
	}
	return t.In(v.zone).Format("2006-01-02 15:04 MST")
}

// localize sets the visit's language and time zone: the contact's own
// (P16), else the portal's (S2, X3), else English and UTC.
func (v *visit) localize(c *portal.Contact) {
	lang, zone := v.Settings.Language, v.Settings.TimeZone
	if c != nil && c.Language != "" {
		lang = c.Language
	}
	if c != nil && c.TimeZone != "" {
		zone = c.TimeZone
	}
	v.cat, v.Lang = catalogFor(lang)
	v.zone = time.UTC
	if loc, err := time.LoadLocation(zone); zone != "" && err == nil {
		v.zone = loc
	}
}

// T returns the built-in string of key in the portal's language.
func (v *visit) T(key string) string { return v.cat.text(key) }

// Tf formats the built-in string of key with args.
func (v *visit) Tf(key string, args ...any) string { return fmt.Sprintf(v.cat.text(key), args...) }

// count writes n as the portal's language writes numbers ("1,000" in
// English, "1.000" in Danish), with a "+" after it when there are more.
func (v *visit) count(n int, more bool) string {
	s := msgfmt.NewPrinter(language.Make(v.Lang)).Sprint(n)
	if more {
		s += "+"
	}
	return s
}

// Viewer is the customer the visit acts for.
func (v *visit) Viewer() portal.Viewer { return v.Session.Viewer() }

// handler is a page handler with its visit.
type handler func(http.ResponseWriter, *http.Request, *visit)

// anonymous wraps a page anyone may open: it reads the settings and sets
// up the form token.
func (s *server) anonymous(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.newVisit(w, r)
		if err != nil {
			// Without its settings the portal has no name and no language:
			// the error page in English, of a portal without a name.
			s.Log.Printf("webportal: settings: %v", err)
			v.Settings = portal.Settings{Name: catalogs["en"].text("footer")}
			v.cat, v.Lang = catalogFor("en")
			s.render(w, v, http.StatusServiceUnavailable, "error",
				page{Title: v.T("disabled.title"), Lead: v.T("error.internal")})
			return
		}
		h(w, r, v)
	}
}

// customer wraps a page for a logged-in customer (or a preview): every
// request authenticates the session again (A3, A6, S14, S15). An expired
// session goes back to the login page, which says why, and keeps what a
// form sent with it carried (sessionEnded); a contact who left
// every access group is told it has no access; a disabled portal says so.
func (s *server) customer(h handler) http.HandlerFunc {
	return s.anonymous(func(w http.ResponseWriter, r *http.Request, v *visit) {
		w.Header().Set("Cache-Control", "no-store")
		c, err := s.readCookie(r, sessionCookie)
		if err != nil || c.Value == "" {
			s.sessionEnded(w, r, v, false)
			return
		}
		sess, err := s.Portal.Authenticate(r.Context(), s.PortalID, c.Value)
		switch {
		case errors.Is(err, portal.ErrUnauthenticated):
			s.clearCookie(w, r, sessionCookie)
			s.sessionEnded(w, r, v, true)
			return
		case errors.Is(err, portal.ErrForbidden):
			s.clearCookie(w, r, sessionCookie)
			http.Redirect(w, r, "/access-denied", http.StatusSeeOther)
			return
		case err != nil:
			s.fail(w, v, err)
			return
		}
		v.Session = &sess
		if v.Contact, err = s.Portal.Contact(r.Context(), s.PortalID, sess.ContactID); err != nil {
			s.fail(w, v, err)
			return
		}
		v.localize(&v.Contact)
		h(w, r, v)
	})
}

// newVisit reads what every page needs. On an error it returns a visit
// without settings, for the error page.
func (s *server) newVisit(w http.ResponseWriter, r *http.Request) (*visit, error) {
	v := &visit{r: r, CSRF: s.csrfToken(w, r)}
	set, err := s.Portal.Settings(r.Context(), s.PortalID)
	if err != nil {
		return v, err
	}
	v.Settings = set
	v.localize(nil)
	if u, err := url.Parse(set.Theme.LogoURL); err == nil && u.Scheme == "https" && u.Host != "" {
		w.Header().Set("Content-Security-Policy", contentPolicy("https://"+u.Host))
	}
	return v, nil
}

// csrfToken returns the token the visitor's forms carry: the MAC of its
// CSRF cookie, which it gets here if it has none. A page of another site
// can neither read the cookie nor compute its MAC.
func (s *server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	c, err := s.readCookie(r, csrfCookie)
	if err != nil || len(c.Value) < 43 || len(c.Value) > 64 {
		c = s.newCSRFCookie(w, r)
	}
	return s.csrfMAC(c.Value, s.sessionToken(r))
}

// sessionToken is the session token the request's cookie holds, or "".
func (s *server) sessionToken(r *http.Request) string {
	if c, err := s.readCookie(r, sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

func (s *server) newCSRFCookie(w http.ResponseWriter, r *http.Request) *http.Cookie {
	c := s.cookie(r, csrfCookie, rand.Text()+rand.Text())
	http.SetCookie(w, c)
	r.AddCookie(c)
	return c
}

// csrfMAC is the form token of a CSRF cookie's value within a session
// (session is its token, "" before a login): a token of another session,
// or of none, does not pass.
func (s *server) csrfMAC(value, session string) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte("webportal csrf\x00"))
	m.Write([]byte(value))
	m.Write([]byte{0})
	m.Write([]byte(session))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// errCSRF is a form without its token, with a forged one, or sent from
// another site. errExpired is one of them: a form of this site whose
// token is not the visitor's now (the page was open across a login or a
// logout, or its cookie was lost); a form that holds what the customer
// typed is then shown again, with it, to be sent again.
var (
	errCSRF    = fmt.Errorf("form token: %w", portal.ErrForbidden)
	errExpired = fmt.Errorf("%w: expired", errCSRF)
)

// checkForm parses a posted form and checks that it came from one of the
// portal's own pages: same origin, and the token of the visitor's CSRF
// cookie. Multipart forms must have been parsed by the caller.
func (s *server) checkForm(w http.ResponseWriter, r *http.Request) error {
	if err := s.origins.Check(r); err != nil {
		return errCSRF
	}
	if r.MultipartForm == nil {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			return tooLarge(err)
		}
	}
	c, err := s.readCookie(r, csrfCookie)
	if err != nil {
		return errExpired
	}
	got := r.PostFormValue(csrfField)
	if !hmac.Equal([]byte(got), []byte(s.csrfMAC(c.Value, s.sessionToken(r)))) {
		return errExpired
	}
	return nil
}

// errTooLarge is a request body over the server's limit.
var errTooLarge = fmt.Errorf("request body too large: %w", portal.ErrInvalid)

func tooLarge(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return errTooLarge
	}
	return fmt.Errorf("form: %w", portal.ErrInvalid)
}

func (s *server) cookie(r *http.Request, name, value string) *http.Cookie {
	return &http.Cookie{Name: s.cookieName(r, name), Value: value, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r)}
}

// secure reports whether the request's cookies are Secure: over TLS, or
// behind a TLS proxy (Secure).
func (s *server) secure(r *http.Request) bool { return s.Secure || r.TLS != nil }

// cookieName is the name of cookie name on r: with the __Host- prefix when
// the cookie is Secure.
func (s *server) cookieName(r *http.Request, name string) string {
	if s.secure(r) {
		return "__Host-" + name
	}
	return name
}

// readCookie returns the request's cookie name (cookieName).
func (s *server) readCookie(r *http.Request, name string) (*http.Cookie, error) {
	return r.Cookie(s.cookieName(r, name))
}

func (s *server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	c := s.cookie(r, name, "")
	c.MaxAge = -1
	http.SetCookie(w, c)
}

// startSession keeps a new session's token in the session cookie and gives
// the visitor a new CSRF cookie, so that nothing from before the login
// carries over into it.
func (s *server) startSession(w http.ResponseWriter, r *http.Request, token string) (csrf string) {
	http.SetCookie(w, s.cookie(r, sessionCookie, token))
	return s.csrfMAC(s.newCSRFCookie(w, r).Value, token)
}

// failure is how one kind of error shows: its status and message. The one
// table from the package's sentinel errors to HTTP.
var failures = []struct {
	err    error
	status int
	title  string
	text   string
}{
	{errCSRF, http.StatusForbidden, "error.title", "error.csrf"},
	{errTooLarge, http.StatusRequestEntityTooLarge, "error.title", "error.tooLarge"},
	{portal.ErrNotFound, http.StatusNotFound, "error.title", "error.notFound"},
	{portal.ErrInvalid, http.StatusBadRequest, "error.title", "error.invalid"},
	{portal.ErrForbidden, http.StatusForbidden, "error.title", "error.forbidden"},
	{portal.ErrConflict, http.StatusConflict, "error.title", "error.conflict"},
	{portal.ErrPortalDisabled, http.StatusServiceUnavailable, "disabled.title", "disabled.lead"},
	{portal.ErrUnauthenticated, http.StatusUnauthorized, "login.title", "login.expired"},
}

// status returns the HTTP status of err and the keys of its title and text.
// A busy store's conflict (try again later) is no conflict of the
// visitor's own: 503.
func status(err error) (int, string, string) {
	if busy(err) {
		return http.StatusServiceUnavailable, "error.title", "error.busy"
	}
	for _, f := range failures {
		if errors.Is(err, f.err) {
			return f.status, f.title, f.text
		}
	}
	return http.StatusInternalServerError, "error.title", "error.internal"
}

// fail answers with the error page of err. The page says only what the
// status means; the error itself goes to the log when it is the server's.
func (s *server) fail(w http.ResponseWriter, v *visit, err error) {
	code, title, text := status(err)
	s.logBusy(w, v, err)
	if code == http.StatusInternalServerError {
		s.Log.Printf("webportal: %s %s: %s", v.r.Method, v.r.URL.Path, logText(err))
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, v, code, "error", page{Title: v.T(title), TabTitle: v.T(title), Lead: v.T(text)})
}

// busy reports whether err is a store's "try again" (portal.BusyError).
func busy(err error) bool {
	var b *portal.BusyError
	return errors.As(err, &b)
}

// logBusy logs a busy store's error with its cause, which its message
// keeps out, and asks the client to come back in a few seconds.
func (s *server) logBusy(w http.ResponseWriter, v *visit, err error) {
	if busy(err) {
		s.Log.Printf("webportal: %s %s: %s", v.r.Method, v.r.URL.Path, logText(err))
		w.Header().Set("Retry-After", "5")
	}
}

// logText is an error as the log shows it: with the cause that the
// portal keeps out of an ErrInternal's message.
func logText(err error) string {
	text := err.Error()
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, e := range joined.Unwrap() {
			if e != portal.ErrInternal && !strings.Contains(text, e.Error()) {
				text += ": " + logText(e)
			}
		}
	}
	return text
}

// page is what every template gets: the visit, and the page's own data.
type page struct {
	*visit
	Title string
	// TabTitle names the page in the browser's tab, before the portal's
	// name ("Ticket #1042 · Nordlys Support"); a page without a session
	// has its Title there. The ticket list has the portal's name alone
	// (S1).
	TabTitle string
	Lead     string
	Flash    string
	Errors   []string
	// Fields holds the problems of a form by field name.
	Fields map[string]string
	Data   any
}

// render writes a page. A template error after the first byte cannot
// change the status any more; it is logged.
func (s *server) render(w http.ResponseWriter, v *visit, code int, name string, p page) {
	p.visit = v
	if p.TabTitle == "" && v.Session == nil {
		p.TabTitle = p.Title
	}
	t := s.pages[name]
	if t == nil {
		s.Log.Printf("webportal: no template %q; using the default page", name)
		t = s.pages["error"]
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := t.ExecuteTemplate(w, "layout", p); err != nil {
		s.Log.Printf("webportal: template %s: %v", name, err)
	}
}

// systemPageNames are the templates a SystemPages names, in its field order.
func systemPageNames(sp portal.SystemPages) []string {
	return []string{sp.Register, sp.Login, sp.Logout, sp.AccessDenied, sp.ResetRequest, sp.PasswordReset}
}

// fieldErrors returns the problems of an input error, one a field.
func fieldErrors(err error) []*portal.FieldError {
	if ve, ok := errors.AsType[*portal.ValidationError](err); ok {
		return ve.Problems
	}
	if fe, ok := errors.AsType[*portal.FieldError](err); ok {
		return []*portal.FieldError{fe}
	}
	return nil
}

// validationProblems returns an input error's problems by field, for the
// forms that show each next to its field; fields are the paths the portal
// names ("values.subject", "email" …).
func validationProblems(err error) map[string]string {
	out := map[string]string{}
	for _, p := range fieldErrors(err) {
		if _, ok := out[p.Field]; !ok {
			out[p.Field] = p.Problem
		}
	}
	return out
}

// problems says what is wrong with an input, each problem under the name
// of what it concerns: label maps the portal's field paths to the names
// the customer sees (a column, a file, a field).
func (v *visit) problems(err error, label func(field string) string) []string {
	var out []string
	for _, p := range fieldErrors(err) {
		out = append(out, v.Tf("error.check", label(p.Field), p.Problem))
	}
	if len(out) == 0 {
		out = []string{v.T("error.invalid")}
	}
	return out
}

// home sends a logged-in customer to the list and anyone else to the login.
func (s *server) home(w http.ResponseWriter, r *http.Request, v *visit) {
	if c, err := s.readCookie(r, sessionCookie); err == nil && c.Value != "" {
		http.Redirect(w, r, "/tickets", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// equalSecret compares two secrets in time that does not depend on where
// they differ.
func equalSecret(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// ctx is the request's context, carrying the client's address for the
// portal's login throttling (A8): the connection's remote address (behind
// a reverse proxy, a host would use the address the proxy names).
func (v *visit) ctx() context.Context {
	host, _, err := net.SplitHostPort(v.r.RemoteAddr)
	if err != nil {
		host = v.r.RemoteAddr
	}
	return portal.WithClient(v.r.Context(), host)
}

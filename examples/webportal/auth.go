package main

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// The handlers of getting in: the system pages (S12) and the preview (A5).

// systemTemplate returns the template the settings choose for a system
// page (S12), or the default one when the server has no such template
// (which it logs once).
func (s *server) systemTemplate(chosen, fallback string) string {
	if _, ok := s.pages[chosen]; ok {
		return chosen
	}
	if _, seen := s.missing.LoadOrStore(chosen, true); !seen {
		s.Log.Printf("webportal: the settings choose template %q, which this server lacks; using %q", chosen, fallback)
	}
	return fallback
}

// selfRegistration reports whether the login page offers "Register here"
// (A2): self-registration with passwords.
func selfRegistration(s portal.Settings) bool {
	return s.Access.Mode == portal.SelfRegistration && s.Access.Auth == portal.PasswordAuth
}

type loginData struct {
	Draft        *draft // what a form typed before its session ended
	Return       string // the page to go to once logged in
	Email        string
	CanRegister  bool
	SingleSignOn bool
	SignInLinks  bool // the page offers a sign-in link (A7)
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request, v *visit) {
	var p page
	switch {
	case r.URL.Query().Get("expired") != "":
		p.Errors = []string{v.T("login.expired")}
	case r.URL.Query().Get("done") != "":
		p.Flash = v.T("password.done")
	}
	s.renderLogin(w, v, http.StatusOK, p, "", nil, localPath(r.URL.Query().Get("next")))
}

// localPath returns p when it is a path of this site ("/tickets/…"), the
// only place a login may send a customer on to; else "". Another origin
// ("//evil.example", "https:evil", "/\\evil"), a backslash or a control
// character is refused.
func localPath(p string) string {
	if len(p) < 1 || len(p) > 2000 || p[0] != '/' || strings.HasPrefix(p, "//") ||
		strings.ContainsAny(p, "\\") || strings.IndexFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	return p
}

// renderLogin shows the login page, carrying d (nil: none) in its form,
// and the page to return to.
func (s *server) renderLogin(w http.ResponseWriter, v *visit, code int, p page, email string, d *draft, ret string) {
	p.Title, p.Lead = v.T("login.title"), v.Tf("login.lead", v.noun(v.Settings.Display.TicketName))
	p.Data = loginData{Email: email, CanRegister: selfRegistration(v.Settings), Return: ret,
		SingleSignOn: v.Settings.Access.Auth == portal.SingleSignOn, Draft: d,
		SignInLinks: signInLinks(v.Settings)}
	if !v.Settings.Enabled {
		code, p.Title, p.Lead = http.StatusServiceUnavailable, v.T("disabled.title"), v.T("disabled.lead")
	}
	s.render(w, v, code, s.systemTemplate(v.Settings.SystemPages.Login, "default-login"), p)
}

// login checks the e-mail and password (A4). Every refusal reads the same,
// whatever the reason, as the portal answers them alike.
func (s *server) login(w http.ResponseWriter, r *http.Request, v *visit) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		// A login carrying a draft: as long as the form it came from.
		r.Body = http.MaxBytesReader(w, r.Body, maxDraft)
		if err := r.ParseMultipartForm(maxDraft); err != nil {
			s.fail(w, v, tooLarge(err))
			return
		}
		defer r.MultipartForm.RemoveAll()
	}
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	email := r.PostFormValue("email")
	d, hasDraft := draftIn(r)
	token, sess, err := s.Portal.Login(v.ctx(), s.PortalID, email, r.PostFormValue("password"))
	switch {
	case err == nil:
		if err := s.endSession(v); err != nil {
			s.Log.Printf("webportal: ending the session before a login: %v", err)
		}
		v.CSRF = s.startSession(w, r, token)
		if !hasDraft {
			to := localPath(r.PostFormValue("return"))
			if to == "" {
				to = "/tickets"
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		v.Session = &sess
		if v.Contact, err = s.Portal.Contact(v.ctx(), s.PortalID, sess.ContactID); err != nil {
			s.fail(w, v, err)
			return
		}
		s.restoreDraft(w, v, d)
	case errors.Is(err, portal.ErrUnauthenticated), errors.Is(err, portal.ErrInvalid):
		var keep *draft
		if hasDraft {
			keep = &d
		}
		s.renderLogin(w, v, http.StatusUnauthorized, page{Errors: []string{v.T("login.failed")}}, email, keep, localPath(r.PostFormValue("return")))
	default:
		s.fail(w, v, err)
	}
}

// logout ends the session at once (P9, A6) and shows the logout page; a
// helpdesk user's preview ends back in the preview directory (A5).
func (s *server) logout(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	next := "/logged-out"
	if sess, err := s.Portal.Authenticate(v.ctx(), s.PortalID, s.sessionToken(r)); err == nil && sess.Preview {
		next = "/internal/preview"
	}
	if err := s.endSession(v); err != nil {
		s.fail(w, v, err)
		return
	}
	s.clearCookie(w, r, sessionCookie)
	s.newCSRFCookie(w, r)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// endSession ends the session of the visitor's cookie, if it has one.
func (s *server) endSession(v *visit) error {
	c, err := s.readCookie(v.r, sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	if err := s.Portal.Logout(v.ctx(), s.PortalID, c.Value); err != nil && !errors.Is(err, portal.ErrUnauthenticated) {
		return err
	}
	return nil
}

func (s *server) loggedOut(w http.ResponseWriter, r *http.Request, v *visit) {
	s.render(w, v, http.StatusOK, s.systemTemplate(v.Settings.SystemPages.Logout, "default-logout"),
		page{Title: v.T("logout.title"), Lead: v.T("logout.lead")})
}

func (s *server) accessDenied(w http.ResponseWriter, r *http.Request, v *visit) {
	s.render(w, v, http.StatusForbidden, s.systemTemplate(v.Settings.SystemPages.AccessDenied, "default-access-denied"),
		page{Title: v.T("denied.title"), Lead: v.T("denied.lead")})
}

type registerData struct {
	portal.Registration
	Notice, Checkbox string
}

// registerPage offers self-registration with the consent statement (A2,
// S13); under access groups there is no such page.
func (s *server) registerPage(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.offered(w, v, selfRegistration(v.Settings)) {
		s.renderRegister(w, v, http.StatusOK, page{}, portal.Registration{})
	}
}

// offered reports whether a page that the settings may leave out is shown:
// the portal is enabled and the settings offer it (on). When not, offered
// has answered: the portal's disabled page, or not found.
func (s *server) offered(w http.ResponseWriter, v *visit, on bool) bool {
	switch {
	case !v.Settings.Enabled:
		s.fail(w, v, portal.ErrPortalDisabled)
	case !on:
		s.fail(w, v, portal.ErrNotFound)
	default:
		return true
	}
	return false
}

func (s *server) renderRegister(w http.ResponseWriter, v *visit, code int, p page, in portal.Registration) {
	p.Title, p.Lead = v.T("register.title"), v.Tf("register.lead", v.noun(v.Settings.Display.TicketName))
	p.Data = registerData{Registration: in, Notice: v.Settings.Consent.Notice, Checkbox: v.Settings.Consent.Checkbox}
	s.render(w, v, code, s.systemTemplate(v.Settings.SystemPages.Register, "default-register"), p)
}

// register registers the contact and mails it its link; the answer is
// the same whether or not the e-mail had a login already.
func (s *server) register(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	in := portal.Registration{Email: r.PostFormValue("email"), FirstName: r.PostFormValue("firstName"),
		LastName: r.PostFormValue("lastName"), Consent: r.PostFormValue("consent") == "yes"}
	switch err := s.Portal.Register(v.ctx(), s.PortalID, in); {
	case err == nil:
		s.render(w, v, http.StatusOK, s.systemTemplate(v.Settings.SystemPages.Register, "default-register"),
			page{Title: v.T("register.title"), Flash: v.T("register.sent")})
	case errors.Is(err, portal.ErrInvalid):
		s.renderRegister(w, v, http.StatusBadRequest, page{Fields: validationProblems(err)}, in)
	case errors.Is(err, portal.ErrForbidden):
		s.fail(w, v, portal.ErrNotFound)
	default:
		s.fail(w, v, err)
	}
}

func (s *server) resetRequestPage(w http.ResponseWriter, r *http.Request, v *visit) {
	if !v.Settings.Enabled {
		s.fail(w, v, portal.ErrPortalDisabled)
		return
	}
	s.render(w, v, http.StatusOK, s.systemTemplate(v.Settings.SystemPages.ResetRequest, "default-reset-request"),
		page{Title: v.T("reset.title"), Lead: v.T("reset.lead")})
}

// resetRequest mails a reset link (A4); the answer is the same for an
// unknown e-mail.
func (s *server) resetRequest(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	p := page{Title: v.T("reset.title"), Lead: v.T("reset.lead")}
	code := http.StatusOK
	switch err := s.Portal.RequestPasswordReset(v.ctx(), s.PortalID, r.PostFormValue("email")); {
	case err == nil:
		p.Flash = v.T("reset.sent")
	case errors.Is(err, portal.ErrInvalid):
		code, p.Fields = http.StatusBadRequest, validationProblems(err)
	default:
		s.fail(w, v, err)
		return
	}
	s.render(w, v, code, s.systemTemplate(v.Settings.SystemPages.ResetRequest, "default-reset-request"), p)
}

// signInLinks reports whether a contact may ask for a sign-in link (A7).
func signInLinks(s portal.Settings) bool {
	return s.Access.SignInLinks && s.Access.Auth == portal.PasswordAuth
}

type signInData struct{ Token string }

// signInRequestPage asks for the e-mail a sign-in link goes to (A7).
func (s *server) signInRequestPage(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.offered(w, v, signInLinks(v.Settings)) {
		s.render(w, v, http.StatusOK, "signin", page{Title: v.T("signin.title"), Lead: v.T("signin.lead"), Data: signInData{}})
	}
}

// signInRequest mails a sign-in link (A7); the answer is the same for an
// unknown e-mail.
func (s *server) signInRequest(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	p := page{Title: v.T("signin.title"), Lead: v.T("signin.lead"), Data: signInData{}}
	code := http.StatusOK
	switch err := s.Portal.RequestSignInLink(v.ctx(), s.PortalID, r.PostFormValue("email")); {
	case err == nil:
		p.Flash = v.T("signin.sent")
	case errors.Is(err, portal.ErrInvalid):
		code, p.Fields = http.StatusBadRequest, validationProblems(err)
	case errors.Is(err, portal.ErrForbidden):
		s.fail(w, v, portal.ErrNotFound)
		return
	default:
		s.fail(w, v, err)
		return
	}
	s.render(w, v, code, "signin", p)
}

// signInPage is where a sign-in link leads: a button that signs in. The
// link itself uses nothing up, so that a mail scanner that opens it does
// not spend the customer's link.
func (s *server) signInPage(w http.ResponseWriter, r *http.Request, v *visit) {
	w.Header().Set("Cache-Control", "no-store")
	if !v.Settings.Enabled {
		s.fail(w, v, portal.ErrPortalDisabled)
		return
	}
	s.render(w, v, http.StatusOK, "signin", page{Title: v.T("signin.title"),
		Lead: v.Tf("signin.confirm", v.Settings.Name), Data: signInData{Token: r.URL.Query().Get("token")}})
}

// signIn begins a session with a sign-in link's token (A7).
func (s *server) signIn(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	token, _, err := s.Portal.SignIn(v.ctx(), s.PortalID, r.PostFormValue("token"))
	switch {
	case err == nil:
		if err := s.endSession(v); err != nil {
			s.Log.Printf("webportal: ending the session before a sign-in: %v", err)
		}
		s.startSession(w, r, token)
		http.Redirect(w, r, "/tickets", http.StatusSeeOther)
	case errors.Is(err, portal.ErrInvalid):
		p := page{Title: v.T("signin.title"), Errors: []string{v.T("signin.badToken")}}
		if signInLinks(v.Settings) { // and a new one may be asked for here
			p.Lead, p.Data = v.T("signin.lead"), signInData{}
		}
		s.render(w, v, http.StatusBadRequest, "signin", p)
	case errors.Is(err, portal.ErrForbidden) && signInLinks(v.Settings):
		http.Redirect(w, r, "/access-denied", http.StatusSeeOther)
	case errors.Is(err, portal.ErrForbidden):
		s.fail(w, v, portal.ErrNotFound)
	default:
		s.fail(w, v, err)
	}
}

type passwordData struct {
	Kind  portal.TokenKind
	Token string
	Min   int
}

// passwordPage asks for the password a mailed link sets: an invitation
// (A3), a registration (A2) or a reset (A4). They share the password
// reset system page.
func (s *server) passwordPage(kind portal.TokenKind) handler {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		w.Header().Set("Cache-Control", "no-store")
		if !v.Settings.Enabled {
			s.fail(w, v, portal.ErrPortalDisabled)
			return
		}
		s.renderPassword(w, v, http.StatusOK, page{}, kind, r.URL.Query().Get("token"))
	}
}

func (s *server) renderPassword(w http.ResponseWriter, v *visit, code int, p page, kind portal.TokenKind, token string) {
	p.Title, p.Lead = v.T("password.title"), v.Tf("password.lead", s.MinPassword)
	p.Data = passwordData{Kind: kind, Token: token, Min: s.MinPassword}
	s.render(w, v, code, s.systemTemplate(v.Settings.SystemPages.PasswordReset, "default-password-reset"), p)
}

func (s *server) setPassword(kind portal.TokenKind) handler {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		if err := s.checkForm(w, r); err != nil {
			s.fail(w, v, err)
			return
		}
		token, password := r.PostFormValue("token"), r.PostFormValue("password")
		if password != r.PostFormValue("repeat") {
			s.renderPassword(w, v, http.StatusBadRequest, page{Fields: map[string]string{"repeat": v.T("password.mismatch")}}, kind, token)
			return
		}
		var err error
		switch kind {
		case portal.TokenInvitation:
			err = s.Portal.AcceptInvitation(v.ctx(), s.PortalID, token, password)
		case portal.TokenRegistration:
			err = s.Portal.CompleteRegistration(v.ctx(), s.PortalID, token, password)
		default:
			err = s.Portal.ResetPassword(v.ctx(), s.PortalID, token, password)
		}
		switch {
		case err == nil:
			http.Redirect(w, r, "/login?done=1", http.StatusSeeOther)
		case errors.Is(err, portal.ErrInvalid):
			fields := validationProblems(err)
			if _, ok := fields["token"]; ok {
				fields["token"] = v.T("password.badToken")
			}
			s.renderPassword(w, v, http.StatusBadRequest, page{Fields: fields}, kind, token)
		default:
			s.fail(w, v, err)
		}
	}
}

// agent wraps the pages only helpdesk users may open. This example asks for
// an agent's name and password with HTTP basic authentication; a real
// helpdesk checks its own login here. Failures slow down their client as
// a customer's do (A8): the portal counts them.
func (s *server) agent(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		w.Header().Set("Cache-Control", "no-store")
		name, password, sent := r.BasicAuth()
		denied := func() {
			w.Header().Set("WWW-Authenticate", `Basic realm="helpdesk", charset="UTF-8"`)
			s.render(w, v, http.StatusUnauthorized, "error", page{Title: v.T("internal.title"), Lead: v.T("internal.denied")})
		}
		throttled, err := s.Portal.LoginThrottled(v.ctx(), s.PortalID, name)
		if err != nil {
			s.fail(w, v, err)
			return
		}
		want, known := s.Agents[name]
		if want == "" {
			// An unknown agent, or one with no password, which opens
			// nothing: compared all the same, so the time tells no names.
			want, known = "\x00no such agent", false
		}
		if ok := equalSecret(password, want); throttled || !ok || !known {
			if !throttled && sent { // a browser's first request sends none: not an attempt
				if err := s.Portal.LoginFailed(v.ctx(), s.PortalID, name); err != nil {
					s.fail(w, v, err)
					return
				}
			}
			denied()
			return
		}
		if err := s.Portal.LoginSucceeded(v.ctx(), s.PortalID, name); err != nil {
			s.fail(w, v, err)
			return
		}
		v.Agent = name
		h(w, r, v)
	}
}

func (s *server) previewPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.render(w, v, http.StatusOK, "internal", page{Title: v.T("internal.title"), Lead: v.T("internal.lead"), Data: s.Directory})
}

// preview opens a read-only session as a contact (A5) for the helpdesk
// user, replacing whatever session the browser had.
func (s *server) preview(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	id, err := uuid.Parse(strings.TrimSpace(r.PostFormValue("contact")))
	if err != nil {
		s.fail(w, v, portal.ErrNotFound)
		return
	}
	token, _, err := s.Portal.Preview(v.ctx(), s.PortalID, id, v.Agent)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	if err := s.endSession(v); err != nil {
		s.Log.Printf("webportal: ending the session before a preview: %v", err)
	}
	s.startSession(w, r, token)
	http.Redirect(w, r, "/tickets", http.StatusSeeOther)
}

package main

import (
	"errors"
	"net/http"
	"slices"

	"github.com/helpdeskkit/portal"
)

// The customer's own account (P16): its details, e-mail, password and
// sessions, on one page.

// languageNames are the languages a customer may choose, each in its own
// language.
var languageNames = map[string]string{"en": "English", "da": "Dansk", "de": "Deutsch", "sv": "Svenska"}

// timeZones are the zones the profile offers; a customer's zone that is
// not among them is offered too.
var timeZones = []string{"UTC", "Atlantic/Reykjavik", "Atlantic/Faroe", "America/Nuuk", "Europe/London", "Europe/Dublin",
	"Europe/Lisbon", "Europe/Copenhagen", "Europe/Stockholm", "Europe/Oslo", "Europe/Helsinki", "Europe/Berlin",
	"Europe/Amsterdam", "Europe/Paris", "Europe/Madrid", "Europe/Rome", "Europe/Warsaw", "America/New_York",
	"America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Dubai", "Asia/Kolkata",
	"Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland"}

type option struct {
	Value, Label string
	Selected     bool
}

type profileData struct {
	portal.Profile
	Languages, Zones []option
	Sessions         []portal.SessionInfo
	// PasswordLogin: the portal keeps passwords (not single sign-on).
	PasswordLogin bool
	Min           int
	// NewEmail is the address a change was asked for, to show again.
	NewEmail string
}

func (s *server) profilePage(w http.ResponseWriter, r *http.Request, v *visit) {
	p := page{}
	switch r.URL.Query().Get("done") {
	case "details":
		p.Flash = v.T("profile.saved")
	case "password":
		p.Flash = v.T("profile.passwordSaved")
	case "session":
		p.Flash = v.T("profile.sessionEnded")
	}
	s.renderProfile(w, v, http.StatusOK, p, nil, "")
}

// renderProfile shows the profile page; in, when set, is what the details
// form sent.
func (s *server) renderProfile(w http.ResponseWriter, v *visit, code int, p page, in *portal.ProfileInput, newEmail string) {
	pr, err := s.Portal.Profile(v.ctx(), v.Viewer())
	if err != nil {
		s.fail(w, v, err)
		return
	}
	sessions, err := s.Portal.Sessions(v.ctx(), *v.Session)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	if in != nil {
		pr.FirstName, pr.LastName, pr.Language, pr.TimeZone = in.FirstName, in.LastName, in.Language, in.TimeZone
	}
	d := profileData{Profile: pr, Sessions: sessions, PasswordLogin: v.Settings.Access.Auth == portal.PasswordAuth,
		Min: s.MinPassword, NewEmail: newEmail}
	d.Languages = []option{{Value: "", Label: v.T("profile.portalDefault"), Selected: pr.Language == ""}}
	for _, l := range portal.Languages() {
		d.Languages = append(d.Languages, option{Value: l, Label: languageNames[l], Selected: l == pr.Language})
	}
	zones := timeZones
	if pr.TimeZone != "" && !slices.Contains(zones, pr.TimeZone) {
		zones = append([]string{pr.TimeZone}, zones...)
	}
	d.Zones = []option{{Value: "", Label: v.T("profile.portalDefault"), Selected: pr.TimeZone == ""}}
	for _, z := range zones {
		d.Zones = append(d.Zones, option{Value: z, Label: z, Selected: z == pr.TimeZone})
	}
	p.Title, p.TabTitle, p.Data = v.T("profile.title"), v.T("profile.title"), d
	s.render(w, v, code, "profile", p)
}

// updateProfile saves the customer's name, language and time zone.
func (s *server) updateProfile(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	in := portal.ProfileInput{FirstName: r.PostFormValue("firstName"), LastName: r.PostFormValue("lastName"),
		Language: r.PostFormValue("language"), TimeZone: r.PostFormValue("timeZone")}
	switch _, err := s.Portal.UpdateProfile(v.ctx(), v.Viewer(), in); {
	case err == nil:
		http.Redirect(w, r, "/profile?done=details", http.StatusSeeOther)
	case errors.Is(err, portal.ErrInvalid):
		s.renderProfile(w, v, http.StatusBadRequest, page{Fields: validationProblems(err)}, &in, "")
	default:
		s.fail(w, v, err)
	}
}

// changePassword sets a new password and moves the customer to the new
// session the portal gives it: every other session has ended.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	next := r.PostFormValue("password")
	if next != r.PostFormValue("repeat") {
		s.renderProfile(w, v, http.StatusBadRequest, page{Fields: map[string]string{"repeat": v.T("password.mismatch")}}, nil, "")
		return
	}
	token, _, err := s.Portal.ChangePassword(v.ctx(), *v.Session, r.PostFormValue("currentPassword"), next)
	switch {
	case err == nil:
		s.startSession(w, r, token)
		http.Redirect(w, r, "/profile?done=password", http.StatusSeeOther)
	case errors.Is(err, portal.ErrInvalid):
		fields := validationProblems(err)
		if _, ok := fields["currentPassword"]; ok {
			fields["currentPassword"] = v.T("profile.wrongPassword")
		}
		s.renderProfile(w, v, http.StatusBadRequest, page{Fields: fields}, nil, "")
	default:
		s.fail(w, v, err)
	}
}

// endOwnSession ends one of the customer's sessions; ending the current
// one logs out.
func (s *server) endOwnSession(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	id := r.PathValue("session")
	sessions, err := s.Portal.Sessions(v.ctx(), *v.Session)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	current := slices.ContainsFunc(sessions, func(x portal.SessionInfo) bool { return x.ID == id && x.Current })
	if err := s.Portal.EndSession(v.ctx(), *v.Session, id); err != nil {
		s.fail(w, v, err)
		return
	}
	if current {
		s.clearCookie(w, r, sessionCookie)
		s.newCSRFCookie(w, r)
		http.Redirect(w, r, "/logged-out", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/profile?done=session", http.StatusSeeOther)
}

// requestEmail mails a confirmation link to the new address.
func (s *server) requestEmail(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	email := r.PostFormValue("email")
	switch err := s.Portal.RequestEmailChange(v.ctx(), *v.Session, email, r.PostFormValue("emailPassword")); {
	case err == nil:
		s.renderProfile(w, v, http.StatusOK, page{Flash: v.Tf("profile.emailSent", email)}, nil, "")
	case errors.Is(err, portal.ErrInvalid):
		fields := validationProblems(err)
		if _, ok := fields["currentPassword"]; ok { // this form's own password field
			delete(fields, "currentPassword")
			fields["emailPassword"] = v.T("profile.wrongPassword")
		}
		s.renderProfile(w, v, http.StatusBadRequest, page{Fields: fields}, nil, email)
	case errors.Is(err, portal.ErrConflict):
		s.renderProfile(w, v, http.StatusConflict, page{Fields: map[string]string{"email": v.T("profile.emailTaken")}}, nil, email)
	default:
		s.fail(w, v, err)
	}
}

type emailData struct{ Token string }

// emailPage is where the confirmation link leads: a button that confirms,
// so that a mail scanner opening the link changes nothing.
func (s *server) emailPage(w http.ResponseWriter, r *http.Request, v *visit) {
	w.Header().Set("Cache-Control", "no-store")
	if !v.Settings.Enabled {
		s.fail(w, v, portal.ErrPortalDisabled)
		return
	}
	s.render(w, v, http.StatusOK, "email", page{Title: v.T("email.title"), Lead: v.T("email.lead"),
		Data: emailData{Token: r.URL.Query().Get("token")}})
}

// confirmEmail moves the customer's e-mail, and its login, to the new
// address.
func (s *server) confirmEmail(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	p := page{Title: v.T("email.title")}
	code := http.StatusOK
	switch err := s.Portal.ConfirmEmailChange(v.ctx(), s.PortalID, r.PostFormValue("token")); {
	case err == nil:
		p.Flash = v.T("email.done")
	case errors.Is(err, portal.ErrInvalid):
		code, p.Errors = http.StatusBadRequest, []string{v.T("password.badToken")}
	case errors.Is(err, portal.ErrConflict):
		code, p.Errors = http.StatusConflict, []string{v.T("profile.emailTaken")}
	default:
		s.fail(w, v, err)
		return
	}
	s.render(w, v, code, "email", p)
}

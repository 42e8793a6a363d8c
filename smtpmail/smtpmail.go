// Package smtpmail is a portal.Mailer that sends plain-text mail through an
// SMTP server with the standard library's net/smtp: STARTTLS when the server
// offers it, authentication when configured.
//
// The portal calls it from its mail delivery (portal.Portal.DeliverMail,
// RunMailDelivery), after the request that queued the mail, so a slow mail
// server never shows in a customer's response time.
package smtpmail

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"github.com/helpdeskkit/portal"
)

// Mailer sends mail through the SMTP server at Addr (host:port). Its fields
// are read on every Send; do not change them while it sends.
type Mailer struct {
	Addr string
	// From is the sender's address, e.g. "Acme support <support@acme.example>".
	From string
	// Auth, when set, authenticates after STARTTLS (smtp.PlainAuth refuses
	// to send a password without TLS, except to localhost).
	Auth smtp.Auth
	// TLS configures STARTTLS; nil uses the host of Addr as server name.
	TLS *tls.Config
	// Now dates the mails; default time.Now.
	Now func() time.Time
}

var _ portal.Mailer = (*Mailer)(nil)

// Send implements portal.Mailer. A header that would hold a line break, or
// an address that is not one, gives portal.ErrInvalid before anything is
// sent; ctx bounds the connection.
func (m *Mailer) Send(ctx context.Context, msg portal.Mail) error {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("%w: smtpmail: from %q: %v", portal.ErrInvalid, m.From, err)
	}
	to, err := mail.ParseAddress(msg.To)
	if err != nil {
		return fmt.Errorf("%w: smtpmail: to %q: %v", portal.ErrInvalid, msg.To, err)
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		return fmt.Errorf("%w: smtpmail: the subject holds a line break", portal.ErrInvalid)
	}
	body, err := m.message(from, to, msg)
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("%w: smtpmail: address %q: %v", portal.ErrInvalid, m.Addr, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("smtpmail: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtpmail: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := m.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("smtpmail: starttls: %w", err)
		}
	}
	if m.Auth != nil {
		if err := c.Auth(m.Auth); err != nil {
			return fmt.Errorf("smtpmail: auth: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("smtpmail: mail from: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("smtpmail: rcpt to: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtpmail: data: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("smtpmail: data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtpmail: data: %w", err)
	}
	return c.Quit()
}

// message renders the mail: UTF-8 plain text, quoted-printable, with
// encoded-word headers.
func (m *Mailer) message(from, to *mail.Address, msg portal.Mail) ([]byte, error) {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", from.String())
	fmt.Fprintf(&b, "To: %s\r\n", to.String())
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", msg.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now().Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(msg.Body, "\r\n", "\n"), "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}

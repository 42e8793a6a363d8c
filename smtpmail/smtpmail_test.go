package smtpmail_test

import (
	"bufio"
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/smtpmail"
)

// fakeServer accepts one SMTP session and sends what it received on got:
// the envelope sender and recipient and the message.
func fakeServer(t *testing.T) (addr string, got chan []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	got = make(chan []string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		say := func(s string) { io.WriteString(conn, s+"\r\n") }
		var from, to string
		var data strings.Builder
		say("220 fake ESMTP")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.TrimRight(line, "\r\n")
			switch {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				say("250 fake")
			case strings.HasPrefix(cmd, "MAIL FROM:"):
				from = cmd
				say("250 ok")
			case strings.HasPrefix(cmd, "RCPT TO:"):
				to = cmd
				say("250 ok")
			case cmd == "DATA":
				say("354 go on")
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if l == ".\r\n" {
						break
					}
					data.WriteString(l)
				}
				say("250 queued")
			case cmd == "QUIT":
				say("221 bye")
				got <- []string{from, to, data.String()}
				return
			default:
				say("500 what")
			}
		}
	}()
	return ln.Addr().String(), got
}

// covers: A3, A4 (the plain SMTP Mailer)
func TestSendsAPlainTextMail(t *testing.T) {
	addr, got := fakeServer(t)
	m := &smtpmail.Mailer{Addr: addr, From: "Acme support <support@acme.example>",
		Now: func() time.Time { return time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) }}
	err := m.Send(context.Background(), portal.Mail{To: "ann@acme.example", Subject: "Din invitation til Æblegården",
		Body: "Sæt din adgangskode her: https://support.example.com/portal/invitation?token=abc\n\nHilsen"})
	require.NoError(t, err)
	r := <-got
	require.Equal(t, "MAIL FROM:<support@acme.example>", r[0])
	require.Equal(t, "RCPT TO:<ann@acme.example>", r[1])
	msg, err := mail.ReadMessage(strings.NewReader(r[2]))
	require.NoError(t, err)
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	require.Equal(t, "Din invitation til Æblegården", subject)
	require.Equal(t, "text/plain; charset=utf-8", msg.Header.Get("Content-Type"))
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	require.NoError(t, err)
	require.Contains(t, string(body), "Sæt din adgangskode her: https://support.example.com/portal/invitation?token=abc\r\n\r\nHilsen")
}

// covers: A3 (bad input never reaches the server)
func TestRefusesHeaderInjection(t *testing.T) {
	m := &smtpmail.Mailer{Addr: "127.0.0.1:1", From: "support@acme.example"}
	for _, mm := range []portal.Mail{
		{To: "ann@acme.example\r\nBcc: eve@evil.example", Subject: "x"},
		{To: "ann@acme.example", Subject: "x\r\nBcc: eve@evil.example"},
		{To: "not an address", Subject: "x"},
	} {
		require.ErrorIs(t, m.Send(context.Background(), mm), portal.ErrInvalid, "%+v", mm)
	}
	bad := &smtpmail.Mailer{Addr: "127.0.0.1:1", From: "nobody"}
	require.ErrorIs(t, bad.Send(context.Background(), portal.Mail{To: "ann@acme.example"}), portal.ErrInvalid)
}

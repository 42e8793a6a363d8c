package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are the argon2id parameters new password hashes are made
// with. A hash is stored as a self-describing PHC string
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), so raising the parameters later
// is safe: old hashes still verify with their own parameters, and a login
// with an older (weaker) hash is rehashed with the current ones.
//
// The defaults are OWASP's recommended argon2id configuration: 19 MiB of
// memory, 2 passes, 1 thread, a 16-byte salt and a 32-byte key. Each login
// attempt costs that memory for its duration (BenchmarkLogin measures the
// time on the project's machine).
type PasswordParams struct {
	Memory  uint32 // KiB; default 19456 (19 MiB)
	Time    uint32 // passes; default 2
	Threads uint8  // default 1
	SaltLen uint32 // bytes; default 16
	KeyLen  uint32 // bytes; default 32
}

func (pp PasswordParams) withDefaults() PasswordParams {
	if pp.Memory == 0 {
		pp.Memory = 19 * 1024
	}
	if pp.Time == 0 {
		pp.Time = 2
	}
	if pp.Threads == 0 {
		pp.Threads = 1
	}
	if pp.SaltLen == 0 {
		pp.SaltLen = 16
	}
	if pp.KeyLen == 0 {
		pp.KeyLen = 32
	}
	return pp
}

// check refuses parameters too weak to be a password hash: tests may use
// cheap ones, but not nonsense.
func (pp PasswordParams) check() error {
	var ps problems
	if pp.Memory < 8*uint32(pp.Threads) {
		ps.add("options.auth.password.memory", "at least 8 KiB per thread")
	}
	if pp.SaltLen < 8 {
		ps.add("options.auth.password.saltLen", "at least 8 bytes")
	}
	if pp.KeyLen < 16 {
		ps.add("options.auth.password.keyLen", "at least 16 bytes")
	}
	return ps.err()
}

// hash returns the PHC string of password under pp, with a new salt.
func (pp PasswordParams) hash(password string) (string, error) {
	salt := make([]byte, pp.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, pp.Time, pp.Memory, pp.Threads, pp.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, pp.Memory, pp.Time, pp.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

// phc is a parsed argon2id hash.
type phc struct {
	params    PasswordParams
	salt, key []byte
}

var errBadHash = errors.New("not an argon2id hash")

// The most a stored hash may ask of a login: a hash beyond them (a damaged
// or planted record) is refused rather than allowed to exhaust the
// machine.
const (
	maxMemory = 4 << 20 // KiB: 4 GiB
	maxPasses = 64
)

func parsePHC(s string) (phc, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return phc{}, errBadHash
	}
	var h phc
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.params.Memory, &h.params.Time, &h.params.Threads); err != nil {
		return phc{}, errBadHash
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil {
		return phc{}, errBadHash
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) == 0 || len(h.key) > 1024 ||
		h.params.Time == 0 || h.params.Time > maxPasses || h.params.Threads == 0 || h.params.Memory > maxMemory {
		return phc{}, errBadHash
	}
	h.params.SaltLen, h.params.KeyLen = uint32(len(h.salt)), uint32(len(h.key))
	return h, nil
}

// verifyPassword reports whether password matches the PHC string encoded,
// comparing in constant time, and whether the hash was made with other
// parameters than pp (it should be rehashed).
func verifyPassword(encoded, password string, pp PasswordParams) (ok, stale bool) {
	h, err := parsePHC(encoded)
	if err != nil {
		return false, false
	}
	key := argon2.IDKey([]byte(password), h.salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	ok = subtle.ConstantTimeCompare(key, h.key) == 1
	return ok, h.params != pp
}

// dummyHash is a hash of no one's password, made once, that a login
// attempt for an unknown e-mail (or a throttled login) is checked against,
// so that it costs the same time as a real one.
type dummyHash struct {
	once sync.Once
	h    string
}

func (d *dummyHash) get(pp PasswordParams) string {
	d.once.Do(func() {
		d.h, _ = pp.hash("no one's password")
	})
	return d.h
}

// MaxPasswordLength bounds a password, in bytes, so that hashing stays cheap
// for long input.
const MaxPasswordLength = 1024

// checkPassword applies the password rules: at least min characters, at
// most MaxPasswordLength bytes, valid UTF-8, not one of the common
// passwords, and not the e-mail address itself.
func checkPassword(field, password, email string, min int) error {
	switch {
	case !utf8.ValidString(password):
		return invalid(field, "must be valid UTF-8")
	case utf8.RuneCountInString(password) < min:
		return invalid(field, "must be at least %d characters", min)
	case len(password) > MaxPasswordLength:
		return invalid(field, "must be at most %d bytes", MaxPasswordLength)
	case commonPasswords[strings.ToLower(password)]:
		return invalid(field, "is one of the most common passwords")
	case email != "" && strings.EqualFold(strings.TrimSpace(password), email):
		return invalid(field, "must not be the e-mail address")
	}
	return nil
}

// commonPasswords are among the most used passwords (lower case), from the
// published lists of leaked passwords; only those of 8 or more characters
// matter, as shorter ones fail the length rule anyway.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`
		password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword
		12345678 123456789 1234567890 12345678910 0123456789 87654321 11111111 00000000
		123123123 1q2w3e4r 1q2w3e4r5t 1qaz2wsx qwertyuiop qwerty123 qwerty1234 qwertyui
		asdfghjk asdfghjkl zxcvbnm123 iloveyou iloveyou1 sunshine princess1 football
		football1 baseball welcome1 welcome123 letmein1 trustno1 superman batman123
		starwars dragon123 monkey123 abc12345 abcd1234 abcdefgh aa123456 computer
		michelle jennifer whatever internet changeme changeme1 administrator admin123
		admin1234 qazwsxedc 1qazxsw2 zaq12wsx secret123 default1 letmein123 football123
		liverpool chelsea1 arsenal1 charlie1 shadow12 master12 mustang1 michael1
		password! welcome! summer2024 summer2025 winter2024 winter2025 spring2025 autumn2025
		sommer2025 vinter2025 adgangskode kodeord1 hemmelig1 passwort passwort1
	`) {
		m[p] = true
	}
	return m
}()

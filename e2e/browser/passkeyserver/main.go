// Command passkeyserver is test tooling for e2e/browser: a small relying
// party built on internal/passkey, so that a real browser authenticator
// (Chromium's WebAuthn virtual authenticator) can be checked against the
// package before userpoold's WebAuthn operations exist. It serves a
// directory of test pages and a JSON API with userpoold's shapes:
//
//	POST /api/register/begin   {"username"}                  → {"options": CredentialCreationOptions}
//	POST /api/register/finish  {"username","credential":{…}} → the stored credential
//	POST /api/login/begin      {"username"}                  → {"session","options": CREDENTIAL_REQUEST_OPTIONS string}
//	POST /api/login/finish     {"username","session","credential":"<JSON string>"} → the assertion
//	GET  /api/credentials?username=…                          → ListWebAuthnCredentials-like list
//
// Errors are {"kind","message"} with status 400, kind being the
// fault.Kind. State lives in memory; every challenge is single-use
// (passkey.Challenge.Take under the server's lock, standing in for the
// store's atomic update). It listens on -addr (127.0.0.1:0 by default)
// and prints {"listening":"host:port"} on stdout once it accepts
// connections. Pages are served at their path under -pages.
//
// It is not part of userpoold and must never be: no persistence, no
// authentication of the caller.
package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/passkey"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	pages := flag.String("pages", "", "directory of test pages to serve")
	rpID := flag.String("rpid", "localhost", "relying party ID")
	uv := flag.String("uv", "preferred", "user verification: required or preferred")
	flag.Parse()

	srv := newServer(passkey.RelyingParty{ID: *rpID, UserVerification: passkey.ParseUserVerification(*uv)})
	mux := http.NewServeMux()
	srv.routes(mux)
	if *pages != "" {
		mux.Handle("GET /", http.FileServer(http.Dir(*pages)))
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	out, _ := json.Marshal(map[string]string{"listening": ln.Addr().String()})
	fmt.Fprintln(os.Stdout, string(out))
	log.Fatal(http.Serve(ln, mux))
}

// server is the in-memory relying party.
type server struct {
	rp passkey.RelyingParty

	mu       sync.Mutex
	users    map[string]*user
	sessions map[string]*session
}

type user struct {
	passkey.User
	creds   []passkey.Credential
	pending passkey.Challenge
}

type session struct {
	username  string
	challenge passkey.Challenge
}

// clientID stands for the app client of the access token.
const clientID = "passkeyserver"

func newServer(rp passkey.RelyingParty) *server {
	if rp.Now == nil {
		rp.Now = time.Now
	}
	return &server{rp: rp, users: map[string]*user{}, sessions: map[string]*session{}}
}

func (s *server) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/register/begin", s.registerBegin)
	mux.HandleFunc("POST /api/register/finish", s.registerFinish)
	mux.HandleFunc("POST /api/login/begin", s.loginBegin)
	mux.HandleFunc("POST /api/login/finish", s.loginFinish)
	mux.HandleFunc("GET /api/credentials", s.list)
}

// userLocked returns the user named username, creating it; s.mu is held.
func (s *server) userLocked(username string) *user {
	u, ok := s.users[username]
	if !ok {
		u = &user{User: passkey.User{Sub: newID(), Username: username}}
		s.users[username] = u
	}
	return u
}

type request struct {
	Username   string          `json:"username"`
	Session    string          `json:"session"`
	Credential json.RawMessage `json:"credential"`
}

func (s *server) registerBegin(w http.ResponseWriter, r *http.Request) {
	req, ok := decode(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(req.Username)
	opts, ch, err := s.rp.BeginRegistration(u.User, u.creds, clientID)
	if err != nil {
		fail(w, err)
		return
	}
	u.pending = ch
	reply(w, map[string]any{"options": opts})
}

func (s *server) registerFinish(w http.ResponseWriter, r *http.Request) {
	req, ok := decode(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	u, found := s.users[req.Username]
	var ch passkey.Challenge
	var err error = passkey.ErrChallengeNotFound
	if found {
		ch, err = u.pending.Take(s.rp.Now())
	}
	var existing []passkey.Credential
	if found {
		existing = u.creds
	}
	s.mu.Unlock()
	if err != nil {
		fail(w, err)
		return
	}
	cred, err := s.rp.FinishRegistration(ch, u.User, existing, clientID, req.Credential)
	if err != nil {
		fail(w, err)
		return
	}
	s.mu.Lock()
	u.creds, err = passkey.AddCredential(u.creds, cred)
	s.mu.Unlock()
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, describe(cred))
}

func (s *server) loginBegin(w http.ResponseWriter, r *http.Request) {
	req, ok := decode(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, found := s.users[req.Username]
	if !found || len(u.creds) == 0 {
		fail(w, fault.New(fault.NotAuthorized, "User has no passkeys."))
		return
	}
	opts, ch, err := s.rp.BeginAssertion(u.User, u.creds, false)
	if err != nil {
		fail(w, err)
		return
	}
	id := newID()
	s.sessions[id] = &session{username: u.Username, challenge: ch}
	reply(w, map[string]any{"session": id, "options": opts.String()})
}

func (s *server) loginFinish(w http.ResponseWriter, r *http.Request) {
	req, ok := decode(w, r)
	if !ok {
		return
	}
	// CREDENTIAL arrives as a JSON string, as in ChallengeResponses.
	var credential string
	if err := json.Unmarshal(req.Credential, &credential); err != nil {
		fail(w, fault.New(fault.InvalidParameter, "credential must be a JSON string"))
		return
	}
	s.mu.Lock()
	sess, found := s.sessions[req.Session]
	var ch passkey.Challenge
	var err error = passkey.ErrChallengeSpent
	if found && sess.username == req.Username {
		ch, err = sess.challenge.Take(s.rp.Now())
	}
	var u *user
	var creds []passkey.Credential
	if err == nil {
		u = s.users[req.Username]
		creds = u.creds
	}
	s.mu.Unlock()
	if err != nil {
		fail(w, err)
		return
	}
	a, err := s.rp.FinishAssertion(ch, u.User, creds, []byte(credential))
	if err != nil {
		fail(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range u.creds {
		if string(u.creds[i].ID) == string(a.CredentialID) {
			if u.creds[i], err = u.creds[i].Apply(a); err != nil {
				fail(w, err)
				return
			}
		}
	}
	reply(w, map[string]any{
		"credentialId": passkey.EncodeID(a.CredentialID), "signCount": a.SignCount,
		"userVerified": a.UserVerified, "backupState": a.BackupState,
	})
}

func (s *server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, found := s.users[r.URL.Query().Get("username")]
	if !found {
		reply(w, map[string]any{"credentials": []any{}})
		return
	}
	page, next, err := passkey.Page(u.creds, r.URL.Query().Get("nextToken"), 0)
	if err != nil {
		fail(w, err)
		return
	}
	out := make([]map[string]any, 0, len(page))
	for _, c := range page {
		out = append(out, describe(c))
	}
	reply(w, map[string]any{"credentials": out, "nextToken": next})
}

// describe is a credential as ListWebAuthnCredentials shows it, plus the
// stored fields the tests check.
func describe(c passkey.Credential) map[string]any {
	return map[string]any{
		"credentialId": c.CredentialID(), "friendlyCredentialName": c.FriendlyName,
		"relyingPartyId": c.RelyingPartyID, "authenticatorAttachment": c.Attachment,
		"authenticatorTransports": c.Transports, "createdAt": float64(c.CreatedAt.UnixMilli()) / 1000,
		"signCount": c.SignCount, "algorithm": c.Algorithm, "attestationFormat": c.AttestationFormat,
		"aaguid": fmt.Sprintf("%x", c.AAGUID), "userVerified": c.UserVerified,
		"backupEligible": c.BackupEligible, "backupState": c.BackupState,
	}
}

func decode(w http.ResponseWriter, r *http.Request) (request, bool) {
	var req request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || req.Username == "" {
		fail(w, fault.New(fault.InvalidParameter, "bad request body"))
		return req, false
	}
	return req, true
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// fail answers a fault with its kind and message; the wrapped cause goes
// to the log, as userpoold would log it.
func fail(w http.ResponseWriter, err error) {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		fe = fault.New("InternalError", "internal error")
	}
	if cause := errors.Unwrap(err); cause != nil {
		log.Printf("%s: %v", fe.Kind, cause)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"kind": string(fe.Kind), "message": fe.Message})
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

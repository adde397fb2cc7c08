package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// This file is the test clock's endpoint, GET and POST /_userpoold/clock:
// with --test-clock (Config.TestClock) an administrator reads, sets,
// advances or resets the time every component of the server reads. Token,
// code, session, TOTP, lockout, device and refresh-token lifetimes all
// follow it, since each component takes the server's Now. SigV4 signatures
// and the SRP TIMESTAMP are still judged by the real time: clients stamp
// them with their own clocks.

// clockView is the body of both answers.
type clockView struct {
	// Now is the server's time, RFC 3339 with nanoseconds.
	Now string `json:"now"`
}

// clockChange is the body of POST /_userpoold/clock: exactly one member.
type clockChange struct {
	// Set stops the clock at an RFC 3339 time.
	Set *string `json:"set"`
	// Advance moves the clock by a Go duration ("1h", "90s", "-5m") and
	// stops it there; a moving clock starts from the real time.
	Advance *string `json:"advance"`
	// Reset makes the clock read the real time again.
	Reset bool `json:"reset"`
}

// serveClock answers GET and POST /_userpoold/clock. GET is authorized like
// the outbox (unsigned reads allowed while no admin keys are configured),
// POST like an admin operation (a SigV4 signature over the body). Without
// the test clock both answer 404 saying how to turn it on.
func (s *Server) serveClock(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<10))
	if err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "The request body is too large.")
		return
	}
	if !s.authorizeAdmin(w, r, body, r.Method == http.MethodGet) {
		return
	}
	if s.Clock == nil {
		writeError(w, http.StatusNotFound, "ResourceNotFoundException", "The test clock is off: start userpoold with --test-clock to set its time.")
		return
	}
	if r.Method == http.MethodPost {
		var c clockChange
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			writeError(w, http.StatusBadRequest, "SerializationException", `The body must be {"set": "<RFC 3339 time>"}, {"advance": "<duration such as 1h30m>"} or {"reset": true}.`)
			return
		}
		if msg := s.changeClock(c); msg != "" {
			writeError(w, http.StatusBadRequest, "InvalidParameterException", msg)
			return
		}
		s.log.Warn("test clock moved", "now", s.Clock.Now().Format(time.RFC3339Nano))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(clockView{Now: s.Clock.Now().UTC().Format(time.RFC3339Nano)})
}

// changeClock applies c, or returns what is wrong with it.
func (s *Server) changeClock(c clockChange) string {
	n := 0
	for _, given := range []bool{c.Set != nil, c.Advance != nil, c.Reset} {
		if given {
			n++
		}
	}
	if n != 1 {
		return "Give exactly one of set, advance and reset."
	}
	switch {
	case c.Set != nil:
		t, err := time.Parse(time.RFC3339Nano, *c.Set)
		if err != nil {
			return "set: " + *c.Set + " is not an RFC 3339 time such as 2030-01-02T15:04:05Z."
		}
		s.Clock.Set(t)
	case c.Advance != nil:
		d, err := time.ParseDuration(*c.Advance)
		if err != nil {
			return "advance: " + *c.Advance + " is not a duration such as 1h30m or 90s."
		}
		s.Clock.Advance(d)
	default:
		s.Clock.Reset()
	}
	return ""
}

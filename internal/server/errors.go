package server

import (
	"net/http"

	"github.com/userpoold/userpoold/internal/awsjson"
)

// writeError answers a request to one of userpoold's own endpoints (the
// JWKS and discovery documents, the outbox, key rotation: not the AWS JSON
// API) with AWS's error envelope, {"__type":<code>,"message":<message>},
// written by the encoder the API itself uses (awsjson.EncodeError), as
// application/json.
func writeError(w http.ResponseWriter, status int, code, message string) {
	body := awsjson.EncodeError(awsjson.NewError(code, message, status))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// The errors of the endpoints.
func writeInternalError(w http.ResponseWriter) {
	writeError(w, http.StatusInternalServerError, "InternalErrorException", "An internal error occurred.")
}

func writePoolNotFound(w http.ResponseWriter, pool string) {
	writeError(w, http.StatusNotFound, "ResourceNotFoundException", "User pool "+pool+" does not exist.")
}

// Package delivery owns where userpoold's codes and messages go: sign-up
// confirmation codes, attribute-verification codes, forgotten-password codes,
// temporary passwords of administrator-created users, MFA codes (SMS_MFA,
// EMAIL_OTP) and risk notifications all leave the server through one
// Dispatcher.
//
// A Dispatcher has three sinks:
//   - the outbox, which appends every message to a storage.MessageStore so
//     that local tests and developers can read codes back (Outbox.List,
//     OutboxView for the HTTP and CLI readers built elsewhere);
//   - SMTP for EMAIL messages (github.com/wneessen/go-mail);
//   - an HTTP webhook for SMS and, optionally, for EMAIL ("custom sender"),
//     signed with HMAC-SHA256 and retried a bounded number of times.
//
// The package also owns the wording of messages: Render fills Cognito's
// {####} and {username} placeholders, DefaultTemplate returns Cognito's
// default message for each purpose, and MaskPhone/MaskEmail produce the
// CODE_DELIVERY_DESTINATION values that challenges and CodeDeliveryDetails
// show.
//
// Codes, passwords and message bodies are never logged and never appear in
// errors; logs name only the purpose, channel, pool and sink.
//
// It may import the standard library, internal/storage, go-mail, and
// net/http as a client (for the webhook). It must not import net/http
// handlers, internal/cognitoidp or any package above it.
package delivery

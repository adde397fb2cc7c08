// Package risk is userpoold's threat-protection engine: a deterministic,
// documented stand-in for Cognito's adaptive authentication and
// compromised-credentials detection (spec §8). It is pure: it takes a
// sign-in attempt, the user's recent sign-in history and the pool's (or app
// client's) risk configuration, and returns a risk level and the action to
// take. Sign-in (package authflow) gathers the inputs, applies the action and
// records the outcome as a storage.AuthEvent.
//
// # Inputs
//
// An Attempt is where a sign-in comes from: the IP address (UserContextData /
// ContextData IpAddress, else the request's source address), a device
// fingerprint and whether the user presented a device key of a device it
// confirmed. Fingerprint derives the device fingerprint from context data:
// the DeviceId (or DeviceFingerprint) inside the EncodedData that Cognito's
// context-data collection library produces (base64 of a JSON envelope whose
// "payload" holds a "contextData" object); for EncodedData that is not in that
// form, a digest of the whole value; without EncodedData, a digest of the
// User-Agent. The history is the user's sign-in events, newest first, each
// reduced to an Event.
//
// # Rules (Assess)
//
// Assess finds these signals, in this order, all relative to the attempt's
// time:
//
//   - distrusted context: an earlier event that got Invalid feedback shares
//     the attempt's device fingerprint or IP prefix;
//   - failed-attempt velocity: the number of wrong passwords in the
//     VelocityWindow (15 minutes) before the attempt, not counting events that
//     got Valid feedback;
//   - new device: the attempt has a fingerprint, presents no confirmed device
//     key, and no successful sign-in (EventResponse Pass) and no event with
//     Valid feedback came from that fingerprint — provided the user has
//     signed in successfully before (a first sign-in is not "new");
//   - new location: the attempt's IP prefix (/24 for IPv4, /48 for IPv6) is
//     not the prefix of any successful sign-in or of any event with Valid
//     feedback — provided an earlier successful sign-in had an address.
//
// The level is then:
//
//   - High: distrusted context, or at least HighFailures (5) failures in the
//     window, or both a new device and a new location;
//   - Medium: a new device or a new location, or at least MediumFailures (3)
//     failures in the window;
//   - Low: everything else (a familiar device and place, or a first sign-in).
//
// Valid feedback therefore makes its device and place familiar and takes its
// failures out of the velocity count; Invalid feedback makes every later
// attempt from that device or place High.
//
// Compromised credentials are a separate signal: the password of a
// USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH sign-in (SRP never reveals
// it) found on the server's compromised-password list (PasswordList; the
// built-in DefaultCompromisedPasswords unless the server is configured with a
// file of its own).
//
// # Actions (Decide)
//
// Decide maps the assessment to an action with the effective Configuration
// (the app client's when it has one, else the pool's) and the pool's
// AdvancedSecurityMode:
//
//   - an IP in RiskExceptionConfiguration.BlockedIPRangeList: BLOCK
//     (ReasonBlockedIP), level High;
//   - compromised credentials with CompromisedCredentialsRiskConfiguration
//     EventAction BLOCK and the event type in its EventFilter (an empty
//     filter means every event): BLOCK (ReasonCompromised);
//   - an IP in SkippedIPRangeList: no account-takeover assessment at all
//     (level Low, NO_ACTION);
//   - otherwise the AccountTakeoverRiskConfiguration action of the level
//     (LowAction, MediumAction, HighAction; an absent action or an absent
//     configuration is NO_ACTION without notification).
//
// RiskDecision is Block for a blocked attempt, AccountTakeover for a Medium or
// High level, NoRisk otherwise. In AUDIT mode the level and decision are
// computed and recorded the same way, but the action is always NO_ACTION, no
// notification goes out, and nothing is blocked (so the decision is never
// Block). In OFF mode the engine is not consulted at all.
//
// The MFA actions need to know whether the user can answer MFA, which this
// package does not: MFA_IF_CONFIGURED challenges when the user can and
// otherwise allows; MFA_REQUIRED challenges when the user can and otherwise
// blocks. authflow applies them.
//
// # Notifications
//
// Render fills a NotifyConfiguration template (BlockEmail, MfaEmail or
// NoActionEmail by the final action) with the placeholders Cognito's
// notification templates use: {username}, {login-time}, {device-name},
// {city}, {country}, {ip-address}, {one-click-link-valid} and
// {one-click-link-invalid}.
//
// The package imports only the standard library.
package risk

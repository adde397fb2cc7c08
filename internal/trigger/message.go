package trigger

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/userpoold/userpoold/internal/delivery"
)

// Parameters of a CustomMessage event (spec §6.7): real events carry
// "{####}" as codeParameter, an undocumented linkParameter, and
// usernameParameter "{username}" for AdminCreateUser only (null otherwise).
const (
	CodeParameter     = delivery.PlaceholderCode
	UsernameParameter = delivery.PlaceholderUsername
	LinkParameter     = "{##Click Here##}"
)

// Message length limits in UTF-8 characters (spec §6.7, §11). A longer body
// falls back to the template silently.
const (
	MaxEmailMessage = 20000
	MaxSMSMessage   = 140
)

// MessageInput is a message Cognito is about to send.
type MessageInput struct {
	// Kind selects the source (CustomMessage_<Kind>);
	// MessageAccountTakeOverNotification has none.
	Kind MessageKind
	// Username is the internal username (the event's userName).
	Username   string
	Attributes map[string]string
	// Code is the code or temporary password that replaces {####}.
	Code string
	// MessageUsername replaces {username}; AdminCreateUser only.
	MessageUsername string
	// Template is the pool's template for this message (or Cognito's
	// default): what is sent when there is no trigger or its answer for a
	// field is null or unusable. Not yet rendered.
	Template delivery.Template
	// EmailFromDeveloper is EmailSendingAccount == DEVELOPER. Without it a
	// trigger may not set emailMessage/emailSubject (spec §6.7).
	EmailFromDeveloper bool
}

// Message is a rendered message: the code and username are in place.
type Message struct {
	SMS          string
	Email        string
	EmailSubject string
}

type customMessageRequest struct {
	UserAttributes    map[string]string `json:"userAttributes"`
	CodeParameter     string            `json:"codeParameter"`
	LinkParameter     string            `json:"linkParameter"`
	UsernameParameter *string           `json:"usernameParameter"`
	ClientMetadata    map[string]string `json:"clientMetadata,omitempty"`
}

type customMessageResponse struct {
	SMSMessage   *string `json:"smsMessage"`
	EmailMessage *string `json:"emailMessage"`
	EmailSubject *string `json:"emailSubject"`
}

// CustomMessage returns the message to send: the trigger's answer where it
// is usable, the template otherwise, rendered with the code and (for
// AdminCreateUser) the username.
//
// Per field: null (or "") means the template; a body must contain {####} (and
// {username} for AdminCreateUser) and fit its length limit, otherwise the
// template is used (UNCONFIRMED for the missing-placeholder case, spec
// §12.9; the overlong case is observed); emailMessage/emailSubject from a
// pool whose EmailSendingAccount is not DEVELOPER is
// InvalidLambdaResponseException (UNCONFIRMED message).
func (s *Service) CustomMessage(ctx context.Context, pool Pool, call Call, in MessageInput) (Message, error) {
	source := in.Kind.source(CustomMessage)
	if source == "" {
		return Message{}, fmt.Errorf("trigger: no CustomMessage source for %q", in.Kind)
	}
	fallback := render(in, in.Template.SMSMessage, in.Template.EmailMessage, in.Template.EmailSubject)
	if !pool.Config.Has(CustomMessage) {
		return fallback, nil
	}
	cm, _ := routeMetadata(call.Operation, source, call.ClientMetadata)
	req := customMessageRequest{UserAttributes: attributes(in.Attributes), CodeParameter: CodeParameter,
		LinkParameter: LinkParameter, ClientMetadata: cm}
	if in.Kind == MessageAdminCreateUser {
		u := UsernameParameter
		req.UsernameParameter = &u
	}
	ev := newEvent(pool, call, source, in.Username, req, customMessageResponse{})
	var out customMessageResponse
	if err := run(ctx, s, pool, Sync, ev, &out); err != nil {
		return Message{}, err
	}
	// An empty string counts as null: Go functions answer "" for every
	// field they leave unset (aws-lambda-go's fields are plain strings).
	// UNCONFIRMED: that AWS treats "" so.
	if !in.EmailFromDeveloper && (set(out.EmailMessage) || set(out.EmailSubject)) {
		return Message{}, invalidResponse(MsgUnrecognizable, errors.New("emailMessage/emailSubject need EmailSendingAccount DEVELOPER"))
	}
	sms, email, subject := in.Template.SMSMessage, in.Template.EmailMessage, in.Template.EmailSubject
	if out.SMSMessage != nil && usableBody(in.Kind, *out.SMSMessage, MaxSMSMessage) {
		sms = *out.SMSMessage
	}
	if out.EmailMessage != nil && usableBody(in.Kind, *out.EmailMessage, MaxEmailMessage) {
		email = *out.EmailMessage
	}
	if out.EmailSubject != nil && *out.EmailSubject != "" {
		subject = *out.EmailSubject
	}
	return render(in, sms, email, subject), nil
}

// set reports whether a field of the function's answer holds text.
func set(p *string) bool { return p != nil && *p != "" }

// usableBody reports whether a body returned by the function can be sent.
func usableBody(kind MessageKind, body string, max int) bool {
	if utf8.RuneCountInString(body) > max || !strings.Contains(body, CodeParameter) {
		return false
	}
	return kind != MessageAdminCreateUser || strings.Contains(body, UsernameParameter)
}

// render fills the placeholders: {####} always, {username} only for
// AdminCreateUser (other events send usernameParameter null). Subjects are
// not rendered (delivery.Render's contract).
func render(in MessageInput, sms, email, subject string) Message {
	if in.Kind == MessageAdminCreateUser {
		return Message{SMS: delivery.Render(sms, in.Code, in.MessageUsername), Email: delivery.Render(email, in.Code, in.MessageUsername), EmailSubject: subject}
	}
	r := strings.NewReplacer(CodeParameter, in.Code)
	return Message{SMS: r.Replace(sms), Email: r.Replace(email), EmailSubject: subject}
}

// Channel is where a custom sender delivers.
type Channel string

// Channels.
const (
	ChannelSMS   Channel = "SMS"
	ChannelEmail Channel = "EMAIL"
)

func (c Channel) trigger() Name {
	if c == ChannelSMS {
		return CustomSMSSender
	}
	return CustomEmailSender
}

// SenderRequestType is request.type of a custom sender event.
const (
	SMSSenderRequestType   = "customSMSSenderRequestV1"
	EmailSenderRequestType = "customEmailSenderRequestV1"
)

// SenderInput is a message a custom sender delivers instead of Cognito.
type SenderInput struct {
	Channel Channel
	Kind    MessageKind
	// Username is the internal username (the event's userName).
	Username string
	// Attributes are the user's attributes; for the take-over notice the
	// fixed fields of spec §6.8 instead.
	Attributes map[string]string
	// Code is the code or temporary password; empty is sent as null.
	Code string
}

type senderRequest struct {
	Type           string            `json:"type"`
	Code           *string           `json:"code"`
	UserAttributes map[string]string `json:"userAttributes"`
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
}

// CodeEncrypter encrypts a custom-sender code the way Cognito does: an AWS
// Encryption SDK message under keyID with the encryption context
// {"userpool-id": poolID}, base64-encoded (esdk.KMSEncrypter).
type CodeEncrypter interface {
	EncryptCode(ctx context.Context, poolID, keyID, code string) (string, error)
}

// HasSender reports whether pool delivers channel's messages through a
// custom sender; when it does, the sender handles every message of that
// channel (spec §6.8) and built-in delivery must not run.
func (pool Pool) HasSender(c Channel) bool { return pool.Config.Has(c.trigger()) }

// SendCustom invokes the pool's custom sender for in.Channel
// asynchronously (InvocationType Event; the answer is ignored, spec
// §10.5). The code is encrypted with the Service's CodeEncrypter under the
// pool's KMSKeyID, or sent in plain text when the Service has none (no KMS
// endpoint configured; not what AWS does, see the README). A temporary
// password is HTML-escaped first (spec §6.8). Errors are
// UnexpectedLambdaException: the function could not be invoked, or the code
// could not be encrypted (UNCONFIRMED: what AWS answers for a KMS failure).
func (s *Service) SendCustom(ctx context.Context, pool Pool, call Call, in SenderInput) error {
	name := in.Channel.trigger()
	source := in.Kind.source(name)
	if source == "" {
		return fmt.Errorf("trigger: no %s source for %q", name, in.Kind)
	}
	if !pool.Config.Has(name) {
		return fmt.Errorf("trigger: pool %s has no %s", pool.ID, name)
	}
	req := senderRequest{Type: EmailSenderRequestType, UserAttributes: attributes(in.Attributes)}
	if in.Channel == ChannelSMS {
		req.Type = SMSSenderRequestType
	}
	req.ClientMetadata, _ = routeMetadata(call.Operation, source, call.ClientMetadata)
	if in.Code != "" {
		code := in.Code
		if in.Kind == MessageAdminCreateUser {
			code = html.EscapeString(code)
		}
		if s.encrypter != nil {
			if pool.Config.KMSKeyID == "" {
				return faultWrapUnexpected(name, &InvocationError{Detail: "KMSKeyID is not configured", Err: errors.New("custom sender without KMSKeyID")})
			}
			enc, err := s.encrypter.EncryptCode(ctx, pool.ID, pool.Config.KMSKeyID, code)
			if err != nil {
				s.log.WarnContext(ctx, "custom sender code encryption failed", "trigger", name, "pool", pool.ID, "err", err)
				return faultWrapUnexpected(name, &InvocationError{Detail: kmsDetail(err), Err: err})
			}
			code = enc
		}
		req.Code = &code
	}
	ev := newEvent(pool, call, source, in.Username, req, emptyResponse{})
	return run(ctx, s, pool, Async, ev, nil)
}

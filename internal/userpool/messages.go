package userpool

import (
	"context"
	"errors"
	"fmt"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
	"github.com/userpoold/userpoold/internal/trigger"
)

// This file sends codes and messages through the Sender with the pool's
// templates, and says where they went (CodeDelivery).

// CodeDelivery says where a code went (CodeDeliveryDetailsType).
type CodeDelivery struct {
	Destination    string // masked
	DeliveryMedium string // SMS or EMAIL
	AttributeName  string // email or phone_number
}

// deliveryFor returns the channel and destination of attr on u, or ok=false.
func deliveryFor(u storage.User, attr string) (channel, dest string, ok bool) {
	v, ok := GetAttribute(u.Attributes, attr)
	if !ok || v == "" {
		return "", "", false
	}
	if attr == "phone_number" {
		return delivery.ChannelSMS, v, true
	}
	return delivery.ChannelEmail, v, true
}

// SendCode renders the pool's template for purpose, sends code to attr of u
// and returns the delivery details. A message of purpose VERIFY_ATTRIBUTE
// is a VerifyUserAttribute message to the triggers (UpdateAttributes sends
// its own as UpdateUserAttribute).
func (s *Service) SendCode(ctx context.Context, p *Pool, u storage.User, attr, purpose, code string) (CodeDelivery, error) {
	return s.sendCode(ctx, p, u, attr, purpose, purposeKind(purpose), code)
}

// purposeKind is the trigger message kind (CustomMessage_<kind>,
// Custom*Sender_<kind>) of a delivery purpose; "" for messages no trigger
// sees.
func purposeKind(purpose string) trigger.MessageKind {
	switch purpose {
	case delivery.PurposeSignUp:
		return trigger.MessageSignUp
	case delivery.PurposeResendCode:
		return trigger.MessageResendCode
	case delivery.PurposeForgotPassword:
		return trigger.MessageForgotPassword
	case delivery.PurposeInvitation:
		return trigger.MessageAdminCreateUser
	case delivery.PurposeVerifyAttribute:
		return trigger.MessageVerifyUserAttribute
	case delivery.PurposeMFA:
		// UNCONFIRMED for email codes (spec §6.7): email MFA and EMAIL_OTP
		// codes are CustomMessage_Authentication too.
		return trigger.MessageAuthentication
	}
	return ""
}

// sendCode is SendCode with the message kind the triggers see. A pool
// with a custom sender for the channel hands the message to it instead of
// delivering it (spec §6.8); otherwise a CustomMessage trigger may replace
// the template's text.
func (s *Service) sendCode(ctx context.Context, p *Pool, u storage.User, attr, purpose string, kind trigger.MessageKind, code string) (CodeDelivery, error) {
	channel, dest, ok := deliveryFor(u, attr)
	if !ok {
		return CodeDelivery{}, fmt.Errorf("userpool: user has no %s", attr)
	}
	sent := CodeDelivery{Destination: delivery.MaskDestination(channel, dest), DeliveryMedium: channel, AttributeName: attr}
	tmpl := p.template(purpose)
	body := delivery.Render(tmpl.For(channel), code, u.Username)
	subject := tmpl.EmailSubject
	if t := s.triggers(ctx, p); t != nil && kind != "" {
		tp, call := p.TriggerPool(), triggerCall(ctx, nil)
		ch := trigger.ChannelEmail
		if channel == delivery.ChannelSMS {
			ch = trigger.ChannelSMS
		}
		if tp.HasSender(ch) {
			// UNCONFIRMED: whether CustomMessage still runs when a sender
			// is set (spec §12.9); the sender gets the bare code here.
			err := t.SendCustom(ctx, tp, call, trigger.SenderInput{Channel: ch, Kind: kind, Username: u.Username, Attributes: EventAttributes(u), Code: code})
			if err != nil {
				return CodeDelivery{}, err
			}
			return sent, nil
		}
		if tp.Config.Has(trigger.CustomMessage) {
			msg, err := t.CustomMessage(ctx, tp, call, trigger.MessageInput{
				Kind: kind, Username: u.Username, Attributes: EventAttributes(u), Code: code, MessageUsername: u.Username,
				Template: tmpl, EmailFromDeveloper: p.Settings.emailFromDeveloper(),
			})
			if err != nil {
				return CodeDelivery{}, err
			}
			body, subject = msg.Email, msg.EmailSubject
			if channel == delivery.ChannelSMS {
				body = msg.SMS
			}
		}
	}
	m := delivery.Message{
		PoolID: p.ID, Username: u.Username, Channel: channel, Destination: dest,
		Purpose: purpose, Code: code, Subject: subject, Body: body,
	}
	m.From, m.ReplyTo = p.Settings.EmailSender()
	if purpose == delivery.PurposeInvitation {
		// The outbox keeps a temporary password as long as it is valid.
		m.Lifetime = p.Settings.TemporaryPasswordValidity()
	}
	if err := s.Sender.Send(ctx, m); err != nil {
		if errors.Is(err, delivery.ErrNoSink) {
			return CodeDelivery{}, fault.Wrap(fault.CodeDeliveryFailure, "Unable to deliver message: no delivery sink is configured for "+channel+".", err)
		}
		s.log().Warn("code delivery failed", "pool", p.ID, "channel", channel, "purpose", purpose, "error", err.Error())
		// UNCONFIRMED: the wording of the exported details.
		s.exportNotification(ctx, p.ID, channel+" message failed to send.")
		return CodeDelivery{}, fault.Wrap(fault.CodeDeliveryFailure, "Unable to deliver message.", err)
	}
	return sent, nil
}

// emailFromDeveloper reports EmailSendingAccount DEVELOPER: only then may a
// CustomMessage trigger set the email's text (spec §6.7).
func (s *Settings) emailFromDeveloper() bool {
	return s.EmailConfiguration != nil && str(s.EmailConfiguration.EmailSendingAccount) == "DEVELOPER"
}

// template returns the pool's message template for purpose, falling back to
// Cognito's defaults member by member.
func (p *Pool) template(purpose string) delivery.Template {
	t := delivery.DefaultTemplate(purpose)
	st := p.Settings
	switch purpose {
	case delivery.PurposeSignUp, delivery.PurposeResendCode, delivery.PurposeVerifyAttribute:
		if v := st.VerificationMessageTemplate; v != nil {
			setIf(&t.SMSMessage, v.SmsMessage)
			setIf(&t.EmailMessage, v.EmailMessage)
			setIf(&t.EmailSubject, v.EmailSubject)
		}
		setIf(&t.SMSMessage, st.SmsVerificationMessage)
		setIf(&t.EmailMessage, st.EmailVerificationMessage)
		setIf(&t.EmailSubject, st.EmailVerificationSubject)
	case delivery.PurposeForgotPassword:
		// Cognito uses the verification templates for reset codes when the
		// pool customised them.
		if v := st.VerificationMessageTemplate; v != nil {
			setIf(&t.SMSMessage, v.SmsMessage)
			setIf(&t.EmailMessage, v.EmailMessage)
			setIf(&t.EmailSubject, v.EmailSubject)
		}
	case delivery.PurposeInvitation:
		if a := st.AdminCreateUserConfig; a != nil && a.InviteMessageTemplate != nil {
			setIf(&t.SMSMessage, a.InviteMessageTemplate.SMSMessage)
			setIf(&t.EmailMessage, a.InviteMessageTemplate.EmailMessage)
			setIf(&t.EmailSubject, a.InviteMessageTemplate.EmailSubject)
		}
	case delivery.PurposeMFA:
		setIf(&t.SMSMessage, st.SmsAuthenticationMessage)
		if m := st.SmsMfaConfiguration; m != nil {
			setIf(&t.SMSMessage, m.SmsAuthenticationMessage)
		}
		if m := st.EmailMfaConfiguration; m != nil {
			setIf(&t.EmailMessage, m.Message)
			setIf(&t.EmailSubject, m.Subject)
		}
	}
	return t
}

func setIf(dst *string, v *string) {
	if v != nil && *v != "" {
		*dst = *v
	}
}

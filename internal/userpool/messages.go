package userpool

import (
	"context"
	"errors"
	"fmt"

	"github.com/userpoold/userpoold/internal/delivery"
	"github.com/userpoold/userpoold/internal/fault"
	"github.com/userpoold/userpoold/internal/storage"
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
// and returns the delivery details.
func (s *Service) SendCode(ctx context.Context, p *Pool, u storage.User, attr, purpose, code string) (CodeDelivery, error) {
	channel, dest, ok := deliveryFor(u, attr)
	if !ok {
		return CodeDelivery{}, fmt.Errorf("userpool: user has no %s", attr)
	}
	tmpl := p.template(purpose)
	body := delivery.Render(tmpl.For(channel), code, u.Username)
	subject := tmpl.EmailSubject
	m := delivery.Message{
		PoolID: p.ID, Username: u.Username, Channel: channel, Destination: dest,
		Purpose: purpose, Code: code, Subject: subject, Body: body,
	}
	m.From, m.ReplyTo = p.Settings.EmailSender()
	if err := s.Sender.Send(ctx, m); err != nil {
		if errors.Is(err, delivery.ErrNoSink) {
			return CodeDelivery{}, fault.Wrap(fault.CodeDeliveryFailure, "Unable to deliver message: no delivery sink is configured for "+channel+".", err)
		}
		s.log().Warn("code delivery failed", "pool", p.ID, "channel", channel, "purpose", purpose, "error", err.Error())
		return CodeDelivery{}, fault.Wrap(fault.CodeDeliveryFailure, "Unable to deliver message.", err)
	}
	return CodeDelivery{Destination: delivery.MaskDestination(channel, dest), DeliveryMedium: channel, AttributeName: attr}, nil
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

package trigger

import "context"

type callKey struct{}

// WithCall returns ctx carrying call. The API layer records each request's
// operation, app client, SDK and ClientMetadata this way, so that the
// domain code which fires triggers deep inside an operation (a code sent by
// userpool.SendCode, a user created by sign-up) builds its events from the
// request without every signature on the way carrying them.
func WithCall(ctx context.Context, call Call) context.Context {
	return context.WithValue(ctx, callKey{}, call)
}

// CallFrom returns the Call ctx carries, or the zero Call: no operation (so
// no ClientMetadata reaches any trigger), CLIENT_ID_NOT_APPLICABLE and the
// unknown SDK.
func CallFrom(ctx context.Context) Call {
	c, _ := ctx.Value(callKey{}).(Call)
	return c
}

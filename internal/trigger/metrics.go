package trigger

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Error kinds of the errors metric.
const (
	errorFunction   = "function"   // the function failed: UserLambdaValidationException
	errorInvocation = "invocation" // it could not be invoked or timed out: UnexpectedLambdaException
	errorResponse   = "response"   // its output was unusable: InvalidLambdaResponseException
)

// Metrics counts invocations, errors and latency per trigger.
type Metrics struct {
	invocations *prometheus.CounterVec
	errors      *prometheus.CounterVec
	latency     *prometheus.HistogramVec
}

// NewMetrics creates the trigger metrics and registers them on reg (nil:
// not registered, still counted):
//
//	userpoold_trigger_invocations_total{trigger}
//	userpoold_trigger_errors_total{trigger,kind}   kind: function|invocation|response
//	userpoold_trigger_duration_seconds{trigger}    from the call to the parsed answer
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		invocations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "userpoold_trigger_invocations_total", Help: "Lambda trigger invocations by trigger.",
		}, []string{"trigger"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "userpoold_trigger_errors_total",
			Help: "Lambda trigger failures by trigger and kind (function: the function failed; invocation: it could not be invoked or timed out; response: its output was unusable).",
		}, []string{"trigger", "kind"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "userpoold_trigger_duration_seconds", Help: "Lambda trigger latency by trigger, invocation and answer parsing included.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"trigger"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.invocations, m.errors, m.latency} {
			if err := reg.Register(c); err != nil {
				var already prometheus.AlreadyRegisteredError
				if !errors.As(err, &already) {
					return nil, err
				}
			}
		}
	}
	return m, nil
}

func (m *Metrics) observe(t Name, start time.Time, kind string) {
	if m == nil {
		return
	}
	m.invocations.WithLabelValues(string(t)).Inc()
	m.latency.WithLabelValues(string(t)).Observe(time.Since(start).Seconds())
	if kind != "" {
		m.errors.WithLabelValues(string(t), kind).Inc()
	}
}

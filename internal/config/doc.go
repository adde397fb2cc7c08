// Package config defines userpoold's one Config struct and loads it from, in
// rising precedence, built-in defaults, a YAML file (--config), environment
// variables (USERPOOLD_*) and command-line flags. Validate reports every
// problem at once. The package reads no environment by itself: callers pass
// a lookup function, so tests stay hermetic.
package config

package server

import (
	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/federation"
)

// federationConfig is the federation package's view of the configuration.
func federationConfig(cfg config.Config) federation.Config {
	fc := federation.Config{AllowHTTP: cfg.Federation.AllowHTTP}
	if len(cfg.Federation.SocialEndpoints) > 0 {
		fc.Social = map[federation.Type]string{}
		for t, base := range cfg.Federation.SocialEndpoints {
			fc.Social[federation.Type(t)] = base
		}
	}
	return fc
}

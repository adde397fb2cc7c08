// Package localca is the certificate authority behind userpoold's optional
// TLS listener (spec cognito-oauth2-hosted-ui.md §19.3). Amplify speaks only
// https to a user pool domain, and openid-client and oauth4webapi refuse
// plain http issuers by default, so local development needs a certificate
// that a browser or Node can be told to trust once.
//
// LoadOrCreate generates a CA (ECDSA P-256, ten years) into the data
// directory on first use — ca.pem, and ca-key.pem with mode 0600 — and
// loads it afterwards. The CA then issues leaf certificates: one base leaf
// for localhost, 127.0.0.1, ::1 and *.auth.<region>.amazoncognito.com (so
// every prefix domain is covered), and one per registered custom domain,
// issued the first time a client asks for it by SNI and cached (custom
// domains can be added while the server runs). A name that is neither gets
// the base leaf, so the CA never signs names nobody registered.
// CertificatePEM is what `userpoold ca` prints for the developer to trust.
//
// Package localca imports only the standard library.
package localca

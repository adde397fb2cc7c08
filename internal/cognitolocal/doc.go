// Package cognitolocal converts the data directory of cognito-local (a
// .cognito directory: config.json and db/clients.json, db/<pool ID>.json)
// into a userpoold bootstrap document, so that a project moving from
// cognito-local keeps its pools, app clients (with their IDs and secrets),
// groups and users (with their passwords, which cognito-local stores in
// the clear). "userpoold import-cognito-local DIR" prints the document;
// --seed or "userpoold apply" applies it through every rule of the API.
//
// What cannot be carried over is said in the notes Convert returns, one
// per thing: users that never confirmed (the bootstrap format declares
// CONFIRMED and FORCE_CHANGE_PASSWORD users only), SMS MFA options,
// Lambda triggers, and the region of pool IDs (cognito-local's
// local_XXXXXXXX becomes <region>_XXXXXXXX, the same suffix). Users get
// new subs: the bootstrap format cannot declare one.
//
// The package reads files and writes YAML (gopkg.in/yaml.v3); it imports
// nothing of userpoold.
package cognitolocal

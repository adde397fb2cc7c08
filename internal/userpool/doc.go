// Package userpool owns the lifecycle of user pools, app clients, users,
// groups and devices: identifiers, the attribute schema, username and alias
// resolution, password policy, one-time codes and their delivery, and the
// rules Cognito applies to each change. It returns *fault.Error values for
// conditions clients must see.
//
// Pool and client settings are stored as the Cognito wire documents
// (storage.Pool.Config, storage.Client.Config); this package reads the
// members it acts on through the Settings and ClientSettings views, whose
// JSON member names are the wire names.
//
// It imports storage, fault, password, delivery, token and the standard
// library; never net/http or internal/cognitoidp.
package userpool

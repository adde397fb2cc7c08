// The JSON forms of WebAuthn options and credentials, as Amplify JS v6
// converts them (packages/auth/src/client/utils/passkey/serde.ts): options
// arrive as PublicKeyCredential*OptionsJSON with base64url binary members
// and no "publicKey" wrapper; credentials leave as RegistrationResponseJSON
// and AuthenticationResponseJSON. Kept here, independent of Amplify, so the
// passkey package can be proven against a browser before userpoold's
// WebAuthn operations exist; the phase-2 pages use Amplify itself.

export function fromBase64Url(s) {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
}

export function toBase64Url(buf) {
  const bytes = new Uint8Array(buf);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Cognito's CredentialCreationOptions → PublicKeyCredentialCreationOptions.
export function creationOptionsFromJSON(o) {
  return {
    ...o,
    challenge: fromBase64Url(o.challenge),
    user: { ...o.user, id: fromBase64Url(o.user.id) },
    excludeCredentials: (o.excludeCredentials || []).map((c) => ({ ...c, id: fromBase64Url(c.id) })),
  };
}

// CREDENTIAL_REQUEST_OPTIONS → PublicKeyCredentialRequestOptions.
export function requestOptionsFromJSON(o) {
  return {
    ...o,
    challenge: fromBase64Url(o.challenge),
    allowCredentials: (o.allowCredentials || []).map((c) => ({ ...c, id: fromBase64Url(c.id) })),
  };
}

// PublicKeyCredential (attestation) → RegistrationResponseJSON.
export function registrationToJSON(cred) {
  const response = {
    clientDataJSON: toBase64Url(cred.response.clientDataJSON),
    attestationObject: toBase64Url(cred.response.attestationObject),
    transports: cred.response.getTransports(),
    publicKeyAlgorithm: cred.response.getPublicKeyAlgorithm(),
    authenticatorData: toBase64Url(cred.response.getAuthenticatorData()),
  };
  const publicKey = cred.response.getPublicKey();
  if (publicKey) response.publicKey = toBase64Url(publicKey);
  const json = {
    type: cred.type,
    id: cred.id,
    rawId: toBase64Url(cred.rawId),
    clientExtensionResults: cred.getClientExtensionResults(),
    response,
  };
  if (cred.authenticatorAttachment) json.authenticatorAttachment = cred.authenticatorAttachment;
  return json;
}

// PublicKeyCredential (assertion) → AuthenticationResponseJSON.
export function assertionToJSON(cred) {
  const response = {
    clientDataJSON: toBase64Url(cred.response.clientDataJSON),
    authenticatorData: toBase64Url(cred.response.authenticatorData),
    signature: toBase64Url(cred.response.signature),
  };
  if (cred.response.userHandle) response.userHandle = toBase64Url(cred.response.userHandle);
  const json = {
    id: cred.id,
    rawId: toBase64Url(cred.rawId),
    type: cred.type,
    clientExtensionResults: cred.getClientExtensionResults(),
    response,
  };
  if (cred.authenticatorAttachment) json.authenticatorAttachment = cred.authenticatorAttachment;
  return json;
}

// Verifying the server's tokens with independent JWT libraries, against the
// server's JWKS (GET /<poolId>/.well-known/jwks.json).
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { endpoint as defaultEndpoint, localIssuer } from './env.js';

const jwksSets = new Map();

export function jwksUrl(userPoolId, endpoint = defaultEndpoint) {
  return `${endpoint}/${userPoolId}/.well-known/jwks.json`;
}

// fetchJwks returns the pool's JWKS document.
export async function fetchJwks(userPoolId, endpoint = defaultEndpoint) {
  const res = await fetch(jwksUrl(userPoolId, endpoint));
  assert.equal(res.status, 200, `GET jwks.json → ${res.status}`);
  return res.json();
}

// verifyWithJose checks an RS256 token's signature against the pool's JWKS and
// its issuer (the local issuer by default) and returns { payload, protectedHeader }.
export async function verifyWithJose(token, userPoolId, { endpoint = defaultEndpoint, issuer = localIssuer(userPoolId, endpoint), ...opts } = {}) {
  const url = jwksUrl(userPoolId, endpoint);
  if (!jwksSets.has(url)) jwksSets.set(url, createRemoteJWKSet(new URL(url)));
  return jwtVerify(token, jwksSets.get(url), { issuer, algorithms: ['RS256'], ...opts });
}

export { decodeJwt, decodeProtectedHeader };

// assertIdTokenClaims checks an ID token's payload against Cognito's shape (spec §11).
export function assertIdTokenClaims(p, { clientId, username, sub, issuer }) {
  assert.equal(p.token_use, 'id');
  assert.equal(p.aud, clientId, 'aud is the app client ID');
  assert.equal(p['cognito:username'], username);
  if (sub) assert.equal(p.sub, sub);
  assert.match(p.sub, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'sub is a UUID');
  if (issuer) assert.equal(p.iss, issuer);
  assert.equal(typeof p.auth_time, 'number');
  assert.equal(typeof p.iat, 'number');
  assert.equal(typeof p.exp, 'number');
  assert.equal(p.exp - p.iat, 3600, 'ID token lives 1 hour by default');
  assert.equal(typeof p.jti, 'string');
  assert.equal(typeof p.origin_jti, 'string', 'origin_jti is present (token revocation is on by default)');
  assert.equal(p.client_id, undefined, 'ID tokens carry aud, not client_id');
  assert.equal(p.scope, undefined, 'ID tokens carry no scope');
}

// assertAccessTokenClaims checks an access token's payload against Cognito's shape (spec §11).
export function assertAccessTokenClaims(p, { clientId, username, sub, issuer }) {
  assert.equal(p.token_use, 'access');
  assert.equal(p.client_id, clientId);
  assert.equal(p.aud, undefined, 'access tokens have no aud claim');
  assert.equal(p.username, username);
  if (sub) assert.equal(p.sub, sub);
  if (issuer) assert.equal(p.iss, issuer);
  assert.equal(p.scope, 'aws.cognito.signin.user.admin');
  assert.equal(typeof p.auth_time, 'number');
  assert.equal(p.exp - p.iat, 3600, 'access token lives 1 hour by default');
  assert.equal(typeof p.jti, 'string');
  assert.equal(typeof p.origin_jti, 'string');
  assert.equal(p['cognito:username'], undefined, 'access tokens carry username, not cognito:username');
}

// jwksCacheFor gives aws-jwt-verify a JWKS cache whose fetcher reads the JWKS
// from the server under test over plain HTTP (the library's own fetcher speaks
// HTTPS only). URIs on https://cognito-idp.<region>.amazonaws.com are
// redirected to the same path on endpoint, so a CognitoJwtVerifier, which
// derives its JWKS URI from the user pool ID, reads our JWKS from the path AWS
// uses. requested lists the URIs the library asked for.
export async function jwksCacheFor(endpoint = defaultEndpoint) {
  const { SimpleJwksCache } = await import('aws-jwt-verify/jwk');
  const requested = [];
  const fetcher = {
    async fetch(uri) {
      requested.push(uri);
      const url = uri.replace(/^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com/, endpoint);
      const res = await fetch(url);
      if (res.status !== 200) throw new Error(`GET ${url} → ${res.status}`);
      return res.arrayBuffer();
    },
  };
  return { jwksCache: new SimpleJwksCache({ fetcher }), requested };
}

// The server's tokens checked by independent JWT libraries: jose
// (createRemoteJWKSet + jwtVerify) and aws-jwt-verify (JwtVerifier against the
// local issuer; CognitoJwtVerifier against a second server started with
// --issuer aws, whose tokens name https://cognito-idp.<region>.amazonaws.com/<pool>).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { JwtVerifier, CognitoJwtVerifier } from 'aws-jwt-verify';
import { createPool, createConfirmedUser, adminGetUser, attributeMap } from '../lib/admin.js';
import { userPool, cognitoUser, authenticate, tokens } from '../lib/identityjs.js';
import { fetchJwks, verifyWithJose, jwksUrl, jwksCacheFor, decodeProtectedHeader, assertIdTokenClaims, assertAccessTokenClaims } from '../lib/jwt.js';
import { whenImplemented } from '../lib/pending.js';
import { startServer } from '../lib/server.js';
import { localIssuer, region } from '../lib/env.js';

let ctx;
before(async () => {
  ctx = await createPool();
});
after(() => ctx?.cleanup());

async function signIn(c, endpoint) {
  const u = await createConfirmedUser(c, { attributes: { email: 'tokens@example.com' } });
  const user = cognitoUser(userPool(c, { endpoint }), u.username);
  const outcome = await authenticate(user, u.password);
  assert.equal(outcome.kind, 'success');
  const { UserAttributes } = await adminGetUser(c, u.username);
  return { ...u, sub: attributeMap(UserAttributes).sub, ...tokens(outcome.session) };
}

test('JWKS: GET /<poolId>/.well-known/jwks.json has RS256 signing keys in Cognito\'s shape', async () => {
  const jwks = await fetchJwks(ctx.userPoolId);
  assert.deepEqual(Object.keys(jwks), ['keys']);
  assert.ok(jwks.keys.length >= 2, 'at least one key for ID tokens and one for access tokens');
  for (const k of jwks.keys) {
    assert.deepEqual(Object.keys(k).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    assert.equal(k.kty, 'RSA');
    assert.equal(k.alg, 'RS256');
    assert.equal(k.use, 'sig');
    assert.equal(k.e, 'AQAB');
    assert.match(k.n, /^[A-Za-z0-9_-]+$/, 'n is base64url');
    assert.ok(Buffer.from(k.n, 'base64url').length >= 256, 'RSA-2048 or larger');
  }
  assert.equal(new Set(jwks.keys.map((k) => k.kid)).size, jwks.keys.length, 'kids are unique');
  const res = await fetch(jwksUrl(ctx.userPoolId));
  assert.match(res.headers.get('content-type'), /^application\/json/);
});

test('jose verifies ID and access tokens against the JWKS with the local issuer; a tampered token fails', (t) => whenImplemented(t, async () => {
  const s = await signIn(ctx);
  const issuer = localIssuer(ctx.userPoolId);
  const id = await verifyWithJose(s.idToken, ctx.userPoolId, { audience: ctx.clientId });
  const access = await verifyWithJose(s.accessToken, ctx.userPoolId);
  assertIdTokenClaims(id.payload, { clientId: ctx.clientId, username: s.username, sub: s.sub, issuer });
  assertAccessTokenClaims(access.payload, { clientId: ctx.clientId, username: s.username, sub: s.sub, issuer });
  for (const h of [id.protectedHeader, access.protectedHeader]) {
    assert.deepEqual(Object.keys(h).sort(), ['alg', 'kid']);
    assert.equal(h.alg, 'RS256');
    assert.match(h.kid, /^[A-Za-z0-9+/]{43}=$/, 'kid looks like Cognito\'s: 44 characters of standard base64');
  }
  for (const p of [id.payload, access.payload]) {
    assert.ok(p.auth_time <= p.iat, 'auth_time is not after iat');
    assert.ok(Math.abs(p.iat - Date.now() / 1000) < 60, 'iat is now');
  }
  const kids = (await fetchJwks(ctx.userPoolId)).keys.map((k) => k.kid);
  assert.ok(kids.includes(id.protectedHeader.kid) && kids.includes(access.protectedHeader.kid), 'both kids are in the JWKS');

  const [h, p, sig] = s.accessToken.split('.');
  const forged = Buffer.from(JSON.stringify({ ...access.payload, username: 'someone-else' })).toString('base64url');
  await assert.rejects(verifyWithJose(`${h}.${forged}.${sig}`, ctx.userPoolId), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  await assert.rejects(verifyWithJose(s.accessToken, ctx.userPoolId, { issuer: `https://cognito-idp.${region}.amazonaws.com/${ctx.userPoolId}` }),
    { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' }, 'the local server does not claim to be AWS');
  assert.equal(p.length > 0, true);
}));

test('aws-jwt-verify JwtVerifier verifies both tokens against the local issuer and its JWKS URI', (t) => whenImplemented(t, async () => {
  const s = await signIn(ctx);
  const { jwksCache, requested } = await jwksCacheFor();
  const issuer = localIssuer(ctx.userPoolId);
  const idVerifier = JwtVerifier.create({ issuer, jwksUri: jwksUrl(ctx.userPoolId), audience: ctx.clientId }, { jwksCache });
  const accessVerifier = JwtVerifier.create({
    issuer, jwksUri: jwksUrl(ctx.userPoolId), audience: null,
    customJwtCheck: ({ payload }) => {
      if (payload.client_id !== ctx.clientId || payload.token_use !== 'access') throw new Error('not an access token of this client');
    },
  }, { jwksCache });
  assert.equal((await idVerifier.verify(s.idToken)).sub, s.sub);
  assert.equal((await accessVerifier.verify(s.accessToken)).username, s.username);
  assert.deepEqual([...new Set(requested)], [jwksUrl(ctx.userPoolId)]);
}));

test('with --issuer aws, tokens name the AWS issuer and CognitoJwtVerifier accepts them', async (t) => {
  const srv = await startServer(['--issuer', 'aws']);
  t.after(() => srv.stop());
  const awsCtx = await createPool({ endpoint: srv.endpoint });
  await whenImplemented(t, async () => {
    const s = await signIn(awsCtx, srv.endpoint);
    const awsIssuer = `https://cognito-idp.${region}.amazonaws.com/${awsCtx.userPoolId}`;
    const { jwksCache, requested } = await jwksCacheFor(srv.endpoint);

    const idVerifier = CognitoJwtVerifier.create({ userPoolId: awsCtx.userPoolId, tokenUse: 'id', clientId: awsCtx.clientId }, { jwksCache });
    const accessVerifier = CognitoJwtVerifier.create({ userPoolId: awsCtx.userPoolId, tokenUse: 'access', clientId: awsCtx.clientId }, { jwksCache });
    const id = await idVerifier.verify(s.idToken);
    const access = await accessVerifier.verify(s.accessToken);
    assert.equal(id.iss, awsIssuer);
    assert.equal(access.iss, awsIssuer);
    assert.equal(id['cognito:username'], s.username);
    assert.equal(access.username, s.username);
    // The verifier derived the JWKS URI from the pool ID, and our server serves the same path.
    assert.deepEqual([...new Set(requested)], [`${awsIssuer}/.well-known/jwks.json`]);

    // A token for a different client is refused.
    const other = CognitoJwtVerifier.create({ userPoolId: awsCtx.userPoolId, tokenUse: 'access', clientId: 'someotherclientid' }, { jwksCache });
    await assert.rejects(other.verify(s.accessToken), { message: `Client ID not allowed: ${awsCtx.clientId}. Expected: someotherclientid` });

    // jose agrees, with the AWS issuer.
    await verifyWithJose(s.idToken, awsCtx.userPoolId, { endpoint: srv.endpoint, issuer: awsIssuer, audience: awsCtx.clientId });
    assert.equal(decodeProtectedHeader(s.accessToken).alg, 'RS256');
  });
});

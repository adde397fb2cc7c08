// The controllable clock (--test-clock): a test moves the server's time
// instead of sleeping. An amazon-cognito-identity-js session is refreshed
// after a fast-forwarded hour: the old access token has expired at the
// server's new time, the refresh token still works, and the new tokens are
// valid at the new time. Runs its own server, since moving the clock of the
// shared one would disturb the other files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GetUserCommand, SetUserPoolMfaConfigCommand, AdminSetUserMFAPreferenceCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createPool, createConfirmedUser, adminClient } from '../lib/admin.js';
import { userPool, cognitoUser, authenticate, tokens, nodeback, associateSoftwareToken, verifySoftwareToken, sendMFACode } from '../lib/identityjs.js';
import { decodeJwt } from 'jose';
import { startServer } from '../lib/server.js';
import { serverTime, moveClock } from '../lib/clock.js';
import { totpAt } from '../lib/totp.js';

let srv;
let ctx;
before(async () => {
  srv = await startServer(['--test-clock']);
  ctx = await createPool({ endpoint: srv.endpoint });
});
after(async () => {
  await ctx?.cleanup();
  await srv?.stop();
});

function anonymous() {
  return adminClient({ endpoint: srv.endpoint, credentials: { accessKeyId: 'anonymous', secretAccessKey: 'anonymous' } });
}

test('a refresh after a fast-forwarded hour: the access token has expired, the refresh token works, the new token is valid at the new time', async () => {
  const u = await createConfirmedUser(ctx);
  const user = cognitoUser(userPool(ctx, { endpoint: srv.endpoint }), u.username);
  const outcome = await authenticate(user, u.password); // USER_SRP_AUTH, the library's default
  assert.equal(outcome.kind, 'success');
  const first = tokens(outcome.session);
  const sdk = anonymous();
  await sdk.send(new GetUserCommand({ AccessToken: first.accessToken }));

  const before = await serverTime({ endpoint: srv.endpoint });
  const now = await moveClock({ advance: '1h' }, { endpoint: srv.endpoint });
  assert.ok(now - before >= 3600_000 && now - before < 3660_000, `the clock moved by an hour (${before.toISOString()} → ${now.toISOString()})`);

  await assert.rejects(sdk.send(new GetUserCommand({ AccessToken: first.accessToken })), (err) => {
    assert.equal(err.name, 'NotAuthorizedException');
    assert.equal(err.message, 'Access Token has expired');
    return true;
  });

  const refreshed = await nodeback(user, 'refreshSession', outcome.session.getRefreshToken());
  const second = tokens(refreshed);
  assert.notEqual(second.accessToken, first.accessToken);
  const claims = decodeJwt(second.accessToken);
  assert.ok(Math.abs(claims.iat * 1000 - now.getTime()) < 60_000, `iat ${claims.iat} is the server's new time, ${now.toISOString()}`);
  assert.equal(claims.exp - claims.iat, 3600);
  const { Username } = await sdk.send(new GetUserCommand({ AccessToken: second.accessToken }));
  assert.equal(Username, u.username);

  // Back to the real time: the new token was issued an hour in the future,
  // and the server still takes it (it has not expired).
  await moveClock({ reset: true }, { endpoint: srv.endpoint });
  await sdk.send(new GetUserCommand({ AccessToken: second.accessToken }));
});

test('TOTP codes are judged at the server\'s time: a code for the moved clock signs in, one for the real time does not', async () => {
  const mfaCtx = await createPool({ endpoint: srv.endpoint, pool: {} });
  try {
    await mfaCtx.client.send(new SetUserPoolMfaConfigCommand({ UserPoolId: mfaCtx.userPoolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } }));
    const u = await createConfirmedUser(mfaCtx);
    const user = cognitoUser(userPool(mfaCtx, { endpoint: srv.endpoint }), u.username);
    assert.equal((await authenticate(user, u.password)).kind, 'success');
    const secret = await associateSoftwareToken(user);
    let now = await moveClock({ set: new Date(Date.now() + 60_000).toISOString() }, { endpoint: srv.endpoint });
    await verifySoftwareToken(user, totpAt(secret, Math.floor(now / 30_000)), 'e2e');
    await mfaCtx.client.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: mfaCtx.userPoolId, Username: u.username, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));

    now = await moveClock({ advance: '36h' }, { endpoint: srv.endpoint });
    const again = cognitoUser(userPool(mfaCtx, { endpoint: srv.endpoint }), u.username);
    const challenge = await authenticate(again, u.password);
    assert.equal(challenge.kind, 'totpRequired');
    await assert.rejects(sendMFACode(again, totpAt(secret, Math.floor(Date.now() / 30_000)), 'SOFTWARE_TOKEN_MFA'), { name: 'CodeMismatchException' });
    const done = await sendMFACode(again, totpAt(secret, Math.floor(now / 30_000)), 'SOFTWARE_TOKEN_MFA');
    assert.equal(done.kind, 'success');
  } finally {
    await moveClock({ reset: true }, { endpoint: srv.endpoint });
    await mfaCtx.cleanup();
  }
});

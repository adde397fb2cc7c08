// Sign-in with amazon-cognito-identity-js (the library behind Amplify v5 and
// many apps): SRP (its default flow), USER_PASSWORD_AUTH, refresh, global
// sign-out, NEW_PASSWORD_REQUIRED, sign-up and confirmation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { InitiateAuthCommand, CreateUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createPool, createConfirmedUser, createTemporaryPasswordUser, adminGetUser, uniqueUsername, strongPassword, attributeMap } from '../lib/admin.js';
import {
  userPool, cognitoUser, authenticate, completeNewPassword, nodeback, callbacks, signUp, tokens,
} from '../lib/identityjs.js';
import identity from 'amazon-cognito-identity-js';
import { verifyWithJose, assertIdTokenClaims, assertAccessTokenClaims, decodeJwt } from '../lib/jwt.js';
import { waitForCode, waitForMessage, countMessages } from '../lib/outbox.js';
import { whenImplemented, rejectsWith } from '../lib/pending.js';
import * as wire from '../lib/wire.js';
import { localIssuer } from '../lib/env.js';

const { CognitoUserSession, CognitoIdToken, CognitoAccessToken, CognitoRefreshToken } = identity;

let ctx;
before(async () => {
  ctx = await createPool();
});
after(() => ctx?.cleanup());

// signedIn creates a confirmed user and signs it in with SRP.
async function signedIn(attributes = {}) {
  const email = `${uniqueUsername('mail')}@example.com`;
  const u = await createConfirmedUser(ctx, { attributes: { email, email_verified: 'false', ...attributes } });
  const pool = userPool(ctx);
  const user = cognitoUser(pool, u.username);
  const outcome = await authenticate(user, u.password);
  assert.equal(outcome.kind, 'success', `SRP sign-in ended in ${outcome.kind}`);
  return { ...u, email, pool, user, session: outcome.session };
}

// userWithSession is a fresh CognitoUser holding the given raw tokens, so that
// calls use exactly those tokens whatever the library cached.
function userWithSession(pool, username, t) {
  const user = cognitoUser(pool, username);
  user.setSignInUserSession(new CognitoUserSession({
    IdToken: new CognitoIdToken({ IdToken: t.idToken }),
    AccessToken: new CognitoAccessToken({ AccessToken: t.accessToken }),
    RefreshToken: new CognitoRefreshToken({ RefreshToken: t.refreshToken }),
  }));
  return user;
}

test('SRP sign-in (USER_SRP_AUTH, the default) returns verifiable Cognito-shaped tokens', (t) => whenImplemented(t, async () => {
  const start = wire.mark();
  const s = await signedIn();
  const [challenge] = wire.responses('InitiateAuth', start);
  assert.equal(challenge.ChallengeName, 'PASSWORD_VERIFIER');
  assert.deepEqual(Object.keys(challenge.ChallengeParameters).sort(), ['SALT', 'SECRET_BLOCK', 'SRP_B', 'USERNAME', 'USER_ID_FOR_SRP']);
  assert.equal(challenge.Session, undefined, 'InitiateAuth USER_SRP_AUTH returns no Session (spec §7.4)');
  assert.match(challenge.ChallengeParameters.SALT, /^[0-9a-f]+$/);
  assert.match(challenge.ChallengeParameters.SRP_B, /^[0-9a-f]+$/);
  const [result] = wire.responses('RespondToAuthChallenge', start);
  assert.deepEqual(result.ChallengeParameters, {}, 'a success carries "ChallengeParameters": {}');
  assert.deepEqual(Object.keys(result.AuthenticationResult).sort(), ['AccessToken', 'ExpiresIn', 'IdToken', 'RefreshToken', 'TokenType']);
  assert.equal(result.AuthenticationResult.ExpiresIn, 3600);
  assert.equal(result.AuthenticationResult.TokenType, 'Bearer');
  assert.ok(s.session.isValid(), 'the library considers the session valid');
  const { idToken, accessToken, refreshToken } = tokens(s.session);
  assert.match(refreshToken, /^[A-Za-z0-9\-_=.]+$/, 'refresh token is opaque text of the documented alphabet');

  const issuer = localIssuer(ctx.userPoolId);
  const id = await verifyWithJose(idToken, ctx.userPoolId);
  const access = await verifyWithJose(accessToken, ctx.userPoolId);
  const { Username, UserAttributes } = await adminGetUser(ctx, s.username);
  const sub = attributeMap(UserAttributes).sub;
  assertIdTokenClaims(id.payload, { clientId: ctx.clientId, username: Username, sub, issuer });
  assertAccessTokenClaims(access.payload, { clientId: ctx.clientId, username: Username, sub, issuer });
  assert.equal(id.payload.email, s.email);
  assert.equal(id.payload.email_verified, false, 'email_verified is a JSON boolean');
  assert.equal(id.payload.origin_jti, access.payload.origin_jti, 'ID and access token share the sign-in');
  assert.notEqual(id.protectedHeader.kid, access.protectedHeader.kid, 'ID and access tokens are signed with different keys');

  // The access token works for GetUser.
  const attrs = attributeMap(await nodeback(s.user, 'getUserAttributes'));
  assert.equal(attrs.email, s.email);
  assert.equal(attrs.sub, sub);
}));

test('SRP sign-in with a wrong password → NotAuthorizedException "Incorrect username or password."', (t) => whenImplemented(t, async () => {
  const u = await createConfirmedUser(ctx);
  const user = cognitoUser(userPool(ctx), u.username);
  await rejectsWith(authenticate(user, `${u.password}x`), { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
}));

test('SRP sign-in of an unknown user → UserNotFoundException "User does not exist." (PreventUserExistenceErrors LEGACY)', (t) => whenImplemented(t, async () => {
  const user = cognitoUser(userPool(ctx), uniqueUsername('nobody'));
  await rejectsWith(authenticate(user, strongPassword()), { name: 'UserNotFoundException', message: 'User does not exist.' });
}));

test('unknown user with PreventUserExistenceErrors ENABLED → NotAuthorizedException "Incorrect username or password."', (t) => whenImplemented(t, async () => {
  const { UserPoolClient } = await ctx.client.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.userPoolId, ClientName: 'prevent-existence-errors',
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    PreventUserExistenceErrors: 'ENABLED',
  }));
  const pool = userPool({ ...ctx, clientId: UserPoolClient.ClientId });
  for (const flow of ['USER_SRP_AUTH', 'USER_PASSWORD_AUTH']) {
    const user = cognitoUser(pool, uniqueUsername('nobody'));
    await rejectsWith(authenticate(user, strongPassword(), { flow }), { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  }
}));

test('USER_PASSWORD_AUTH sign-in, and its wrong-password error', (t) => whenImplemented(t, async () => {
  const u = await createConfirmedUser(ctx);
  const pool = userPool(ctx);
  const outcome = await authenticate(cognitoUser(pool, u.username), u.password, { flow: 'USER_PASSWORD_AUTH' });
  assert.equal(outcome.kind, 'success');
  const access = await verifyWithJose(outcome.session.getAccessToken().getJwtToken(), ctx.userPoolId);
  assert.equal(access.payload.username, u.username);
  await rejectsWith(authenticate(cognitoUser(pool, u.username), 'Wrong-Passw0rd!', { flow: 'USER_PASSWORD_AUTH' }),
    { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
}));

test('USER_PASSWORD_AUTH on a client that does not allow it → InvalidParameterException', (t) => whenImplemented(t, async () => {
  const { UserPoolClient } = await ctx.client.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.userPoolId, ClientName: 'srp-only', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  const u = await createConfirmedUser(ctx);
  const user = cognitoUser(userPool({ ...ctx, clientId: UserPoolClient.ClientId }), u.username);
  await rejectsWith(authenticate(user, u.password, { flow: 'USER_PASSWORD_AUTH' }),
    { name: 'InvalidParameterException', message: 'USER_PASSWORD_AUTH flow not enabled for this client' });
}));

test('refreshSession (REFRESH_TOKEN_AUTH) issues new ID and access tokens for the same sign-in', (t) => whenImplemented(t, async () => {
  const s = await signedIn();
  const before = tokens(s.session);
  await new Promise((r) => setTimeout(r, 1100)); // so iat must move
  const start = wire.mark();
  const refreshed = await nodeback(s.user, 'refreshSession', s.session.getRefreshToken());
  const [wireResult] = wire.responses('InitiateAuth', start);
  assert.deepEqual(wireResult.ChallengeParameters, {});
  assert.deepEqual(Object.keys(wireResult.AuthenticationResult).sort(), ['AccessToken', 'ExpiresIn', 'IdToken', 'TokenType'],
    'REFRESH_TOKEN_AUTH returns no new refresh token when rotation is off');
  const after = tokens(refreshed);
  assert.notEqual(after.accessToken, before.accessToken);
  assert.notEqual(after.idToken, before.idToken);
  assert.equal(after.refreshToken, before.refreshToken, 'no new refresh token without rotation; the library keeps the old one');
  const a0 = decodeJwt(before.accessToken);
  const a1 = (await verifyWithJose(after.accessToken, ctx.userPoolId)).payload;
  const i1 = (await verifyWithJose(after.idToken, ctx.userPoolId)).payload;
  assert.equal(a1.sub, a0.sub);
  assert.equal(a1.auth_time, a0.auth_time, 'auth_time is the original authentication');
  assert.equal(a1.origin_jti, a0.origin_jti, 'origin_jti is kept across refresh');
  assert.notEqual(a1.jti, a0.jti);
  assert.ok(a1.iat > a0.iat, 'iat is new');
  assert.equal(i1.token_use, 'id');
  assert.equal(i1.auth_time, a0.auth_time);
}));

test('globalSignOut revokes the access and refresh tokens', (t) => whenImplemented(t, async () => {
  const s = await signedIn();
  const old = tokens(s.session);
  await callbacks(s.user, 'globalSignOut');

  const stale = userWithSession(s.pool, s.username, old);
  await rejectsWith(nodeback(stale, 'getUserAttributes'), { name: 'NotAuthorizedException', message: 'Access Token has been revoked' });

  // Checked through the SDK (the library retries a failed refresh for seconds).
  await rejectsWith(ctx.client.send(new InitiateAuthCommand({
    ClientId: ctx.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: old.refreshToken },
  })), { name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });

  // A new sign-in works again.
  const again = await authenticate(cognitoUser(userPool(ctx), s.username), s.password);
  assert.equal(again.kind, 'success');
}));

test('NEW_PASSWORD_REQUIRED: AdminCreateUser (SUPPRESS, TemporaryPassword) → newPasswordRequired → completeNewPasswordChallenge', (t) => whenImplemented(t, async () => {
  const email = `${uniqueUsername('temp')}@example.com`;
  const u = await createTemporaryPasswordUser(ctx, { attributes: { email } });
  assert.equal(u.user.UserStatus, 'FORCE_CHANGE_PASSWORD');
  const pool = userPool(ctx);
  const user = cognitoUser(pool, u.username);

  const start = wire.mark();
  const first = await authenticate(user, u.temporaryPassword);
  assert.equal(first.kind, 'newPasswordRequired');
  const challenge = wire.responses('RespondToAuthChallenge', start).at(-1);
  assert.equal(challenge.ChallengeName, 'NEW_PASSWORD_REQUIRED');
  assert.deepEqual(Object.keys(challenge.ChallengeParameters).sort(), ['USER_ID_FOR_SRP', 'requiredAttributes', 'userAttributes']);
  assert.equal(challenge.ChallengeParameters.USER_ID_FOR_SRP, u.username);
  assert.equal(challenge.ChallengeParameters.requiredAttributes, '[]');
  assert.equal(typeof challenge.Session, 'string', 'NEW_PASSWORD_REQUIRED comes with a Session');
  assert.deepEqual(first.requiredAttributes, [], 'no required attributes in a default pool');
  assert.equal(first.userAttributes.email, email, 'userAttributes carries the user\'s attributes');

  const newPassword = strongPassword();
  const done = await completeNewPassword(user, newPassword, {});
  assert.equal(done.kind, 'success');
  const access = await verifyWithJose(done.session.getAccessToken().getJwtToken(), ctx.userPoolId);
  assert.equal(access.payload.username, u.username);

  assert.equal((await adminGetUser(ctx, u.username)).UserStatus, 'CONFIRMED');
  const again = await authenticate(cognitoUser(pool, u.username), newPassword);
  assert.equal(again.kind, 'success', 'the new password signs in without a challenge');
  await rejectsWith(authenticate(cognitoUser(pool, u.username), u.temporaryPassword),
    { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
}));

test('NEW_PASSWORD_REQUIRED with a password the policy refuses → InvalidPasswordException, then success', (t) => whenImplemented(t, async () => {
  const u = await createTemporaryPasswordUser(ctx);
  const user = cognitoUser(userPool(ctx), u.username);
  assert.equal((await authenticate(user, u.temporaryPassword)).kind, 'newPasswordRequired');
  const err = await rejectsWith(completeNewPassword(user, 'short', {}), { name: 'InvalidPasswordException' });
  assert.equal(err.message, 'Password does not conform to policy: Password not long enough');
  // The failed answer did not spend the session.
  assert.equal((await completeNewPassword(user, strongPassword(), {})).kind, 'success');
}));

// signedUp registers a user through CognitoUserPool.signUp.
async function signedUp() {
  const pool = userPool(ctx);
  const username = uniqueUsername('signup');
  const email = `${username}@example.com`;
  const password = strongPassword();
  const result = await signUp(pool, username, password, { email });
  return { pool, username, email, password, result };
}

test('signUp → codeDeliveryDetails; confirmRegistration with the code from the outbox confirms the user and the email', (t) => whenImplemented(t, async () => {
  const { pool, username, email, result } = await signedUp();
  assert.equal(result.userConfirmed, false);
  assert.match(result.userSub, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(result.codeDeliveryDetails.AttributeName, 'email');
  assert.equal(result.codeDeliveryDetails.DeliveryMedium, 'EMAIL');
  assert.notEqual(result.codeDeliveryDetails.Destination, email, 'the destination is masked');
  assert.equal((await adminGetUser(ctx, username)).UserStatus, 'UNCONFIRMED');

  const message = await waitForMessage(ctx.userPoolId, username, { purpose: 'SIGN_UP', channel: 'EMAIL' });
  assert.equal(message.Destination, email, 'the outbox keeps the real address');
  assert.match(message.Code, /^\d{6}$/);
  const user = cognitoUser(pool, username);
  const wrong = message.Code === '000000' ? '111111' : '000000';
  await rejectsWith(nodeback(user, 'confirmRegistration', wrong, true),
    { name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.' });
  assert.equal(await nodeback(user, 'confirmRegistration', message.Code, true), 'SUCCESS');

  const got = await adminGetUser(ctx, username);
  assert.equal(got.UserStatus, 'CONFIRMED');
  assert.equal(attributeMap(got.UserAttributes).email_verified, 'true', 'confirming by email code verifies the email');
  assert.equal(attributeMap(got.UserAttributes).sub, result.userSub);
}));

test('an unconfirmed user → UserNotConfirmedException "User is not confirmed." (even with a wrong password)', (t) => whenImplemented(t, async () => {
  const { pool, username, password } = await signedUp();
  for (const flow of ['USER_SRP_AUTH', 'USER_PASSWORD_AUTH']) {
    await rejectsWith(authenticate(cognitoUser(pool, username), password, { flow }),
      { name: 'UserNotConfirmedException', message: 'User is not confirmed.' });
    await rejectsWith(authenticate(cognitoUser(pool, username), 'Wrong-Passw0rd!', { flow }),
      { name: 'UserNotConfirmedException', message: 'User is not confirmed.' });
  }
}));

test('a signed-up and confirmed user signs in with SRP; the ID token says email_verified', (t) => whenImplemented(t, async () => {
  const { pool, username, password, result } = await signedUp();
  const code = await waitForCode(ctx.userPoolId, username, { purpose: 'SIGN_UP', channel: 'EMAIL' });
  assert.equal(await nodeback(cognitoUser(pool, username), 'confirmRegistration', code, true), 'SUCCESS');
  const outcome = await authenticate(cognitoUser(pool, username), password);
  assert.equal(outcome.kind, 'success');
  const id = (await verifyWithJose(outcome.session.getIdToken().getJwtToken(), ctx.userPoolId)).payload;
  assert.equal(id.sub, result.userSub);
  assert.equal(id.email_verified, true);
}));

test('resendConfirmationCode sends a new code to the outbox', (t) => whenImplemented(t, async () => {
  const pool = userPool(ctx);
  const username = uniqueUsername('resend');
  await signUp(pool, username, strongPassword(), { email: `${username}@example.com` });
  await waitForCode(ctx.userPoolId, username, { purpose: 'SIGN_UP' });
  const before = await countMessages(ctx.userPoolId, username, { purpose: 'RESEND_CODE' });
  const user = cognitoUser(pool, username);
  const details = await nodeback(user, 'resendConfirmationCode');
  assert.equal(details.CodeDeliveryDetails.DeliveryMedium, 'EMAIL');
  const code = await waitForCode(ctx.userPoolId, username, { purpose: 'RESEND_CODE', after: before });
  assert.equal(await nodeback(user, 'confirmRegistration', code, true), 'SUCCESS');
}));

// Sign-in with Amplify JS v6 (aws-amplify) configured with userPoolEndpoint:
// signIn (SRP by default, and USER_PASSWORD_AUTH), fetchAuthSession,
// getCurrentUser, signOut (local and global), signUp + confirmSignUp and the
// NEW_PASSWORD_REQUIRED step.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, signOut, signUp, confirmSignUp, confirmSignIn, fetchAuthSession, getCurrentUser, fetchUserAttributes, autoSignIn } from 'aws-amplify/auth';
import { GetUserCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createPool, createConfirmedUser, createTemporaryPasswordUser, adminGetUser, uniqueUsername, strongPassword, attributeMap } from '../lib/admin.js';
import { configureAmplify } from '../lib/amplify.js';
import { verifyWithJose, assertIdTokenClaims, assertAccessTokenClaims } from '../lib/jwt.js';
import { waitForCode } from '../lib/outbox.js';
import { whenImplemented, rejectsWith } from '../lib/pending.js';
import * as wire from '../lib/wire.js';
import { localIssuer } from '../lib/env.js';

let ctx;
let storage;
before(async () => {
  ctx = await createPool();
  storage = configureAmplify(ctx);
});
afterEach(async () => {
  // Every test starts signed out (Amplify refuses signIn while signed in).
  await signOut().catch(() => {});
});
after(() => ctx?.cleanup());

// storedRefreshToken reads the refresh token Amplify keeps in our storage
// (fetchAuthSession does not expose it).
async function storedRefreshToken() {
  const key = storage.keys().find((k) => k.startsWith(`CognitoIdentityServiceProvider.${ctx.clientId}.`) && k.endsWith('.refreshToken'));
  assert.ok(key, `Amplify stored a refresh token (keys: ${storage.keys().join(', ')})`);
  return storage.getItem(key);
}

async function newUser() {
  const email = `${uniqueUsername('amp')}@example.com`;
  const u = await createConfirmedUser(ctx, { attributes: { email } });
  const { UserAttributes } = await adminGetUser(ctx, u.username);
  return { ...u, email, sub: attributeMap(UserAttributes).sub };
}

test('signIn (SRP, the default) → DONE; fetchAuthSession tokens verify and carry the right claims; getCurrentUser', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  const result = await signIn({ username: u.username, password: u.password });
  assert.deepEqual(result, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });

  const session = await fetchAuthSession();
  assert.ok(session.tokens?.idToken && session.tokens?.accessToken, 'ID and access tokens are present');
  assert.equal(session.userSub, u.sub);
  assert.equal(session.credentials, undefined, 'no identity pool configured, so no AWS credentials');

  const issuer = localIssuer(ctx.userPoolId);
  const id = await verifyWithJose(session.tokens.idToken.toString(), ctx.userPoolId);
  const access = await verifyWithJose(session.tokens.accessToken.toString(), ctx.userPoolId);
  assertIdTokenClaims(id.payload, { clientId: ctx.clientId, username: u.username, sub: u.sub, issuer });
  assertAccessTokenClaims(access.payload, { clientId: ctx.clientId, username: u.username, sub: u.sub, issuer });
  assert.deepEqual(session.tokens.idToken.payload, id.payload, 'Amplify decoded the same claims');
  assert.equal(id.payload.email, u.email);

  const current = await getCurrentUser();
  assert.equal(current.username, u.username);
  assert.equal(current.userId, u.sub);
  assert.deepEqual(current.signInDetails, { loginId: u.username, authFlowType: 'USER_SRP_AUTH' });

  const attrs = await fetchUserAttributes();
  assert.equal(attrs.email, u.email);
  assert.equal(attrs.sub, u.sub);
}));

test('signIn with authFlowType USER_PASSWORD_AUTH', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  const result = await signIn({ username: u.username, password: u.password, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
  assert.equal(result.isSignedIn, true);
  const current = await getCurrentUser();
  assert.equal(current.signInDetails.authFlowType, 'USER_PASSWORD_AUTH');
}));

test('signIn with a wrong password → NotAuthorizedException "Incorrect username or password."', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  await rejectsWith(signIn({ username: u.username, password: `${u.password}x` }),
    { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  await rejectsWith(signIn({ username: u.username, password: `${u.password}x`, options: { authFlowType: 'USER_PASSWORD_AUTH' } }),
    { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  await rejectsWith(getCurrentUser(), { name: 'UserUnAuthenticatedException' });
}));

test('signIn of an unknown user → UserNotFoundException', (t) => whenImplemented(t, async () => {
  await rejectsWith(signIn({ username: uniqueUsername('nobody'), password: strongPassword() }),
    { name: 'UserNotFoundException', message: 'User does not exist.' });
}));

test('fetchAuthSession({ forceRefresh: true }) gets new tokens for the same sign-in', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  await signIn({ username: u.username, password: u.password });
  const first = await fetchAuthSession();
  await new Promise((r) => setTimeout(r, 1100)); // so iat must move
  const second = await fetchAuthSession({ forceRefresh: true });
  assert.ok(second.tokens?.accessToken, 'tokens after refresh');
  assert.notEqual(second.tokens.accessToken.toString(), first.tokens.accessToken.toString(), 'a new access token');
  const a = (await verifyWithJose(second.tokens.accessToken.toString(), ctx.userPoolId)).payload;
  assert.equal(a.sub, u.sub);
  assert.equal(a.origin_jti, first.tokens.accessToken.payload.origin_jti);
  assert.equal(a.auth_time, first.tokens.accessToken.payload.auth_time);
  assert.ok(a.iat > first.tokens.accessToken.payload.iat);
  await verifyWithJose(second.tokens.idToken.toString(), ctx.userPoolId);
}));

test('signOut() revokes the refresh token (RevokeToken) and the access tokens issued with it', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  await signIn({ username: u.username, password: u.password });
  const { tokens } = await fetchAuthSession();
  const refreshToken = await storedRefreshToken();
  await signOut();
  await rejectsWith(getCurrentUser(), { name: 'UserUnAuthenticatedException' });
  // Amplify ignores errors from RevokeToken, so check the server's side.
  await rejectsWith(ctx.client.send(new GetUserCommand({ AccessToken: tokens.accessToken.toString() })),
    { name: 'NotAuthorizedException', message: 'Access Token has been revoked' });
  await rejectsWith(ctx.client.send(new InitiateAuthCommand({
    ClientId: ctx.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken },
  })), { name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
}));

test('signOut({ global: true }) revokes every token of the user (GlobalSignOut)', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  await signIn({ username: u.username, password: u.password });
  const { tokens } = await fetchAuthSession();
  const refreshToken = await storedRefreshToken();
  await signOut({ global: true });
  await rejectsWith(getCurrentUser(), { name: 'UserUnAuthenticatedException' });
  await rejectsWith(ctx.client.send(new GetUserCommand({ AccessToken: tokens.accessToken.toString() })),
    { name: 'NotAuthorizedException', message: 'Access Token has been revoked' });
  await rejectsWith(ctx.client.send(new InitiateAuthCommand({
    ClientId: ctx.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken },
  })), { name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
  // Signing in again works.
  assert.equal((await signIn({ username: u.username, password: u.password })).isSignedIn, true);
}));

test('signUp → CONFIRM_SIGN_UP; confirmSignUp with the outbox code → DONE', (t) => whenImplemented(t, async () => {
  const username = uniqueUsername('ampsignup');
  const email = `${username}@example.com`;
  const result = await signUp({ username, password: strongPassword(), options: { userAttributes: { email } } });
  assert.equal(result.isSignUpComplete, false);
  assert.equal(result.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  assert.equal(result.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  assert.equal(result.nextStep.codeDeliveryDetails.attributeName, 'email');
  assert.notEqual(result.nextStep.codeDeliveryDetails.destination, email, 'the destination is masked');
  assert.match(result.userId, /^[0-9a-f-]{36}$/);

  const code = await waitForCode(ctx.userPoolId, username, { purpose: 'SIGN_UP', channel: 'EMAIL' });
  const wrong = code === '000000' ? '111111' : '000000';
  await rejectsWith(confirmSignUp({ username, confirmationCode: wrong }),
    { name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.' });
  const confirmed = await confirmSignUp({ username, confirmationCode: code });
  assert.deepEqual(confirmed, { isSignUpComplete: true, nextStep: { signUpStep: 'DONE' } });
  assert.equal((await adminGetUser(ctx, username)).UserStatus, 'CONFIRMED');
}));

test('signIn before confirmSignUp → CONFIRM_SIGN_UP (from UserNotConfirmedException); after it → DONE', (t) => whenImplemented(t, async () => {
  const username = uniqueUsername('ampsignup');
  const password = strongPassword();
  const result = await signUp({ username, password, options: { userAttributes: { email: `${username}@example.com` } } });
  // Amplify turns UserNotConfirmedException into a sign-in step.
  const mark = wire.mark();
  assert.deepEqual(await signIn({ username, password }), { isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_UP' } });
  const answers = wire.since(mark).map((ex) => [ex.operation, ex.status, ex.response]);
  assert.deepEqual(answers, [['InitiateAuth', 400, '{"__type":"UserNotConfirmedException","message":"User is not confirmed."}']]);
  const code = await waitForCode(ctx.userPoolId, username, { purpose: 'SIGN_UP', channel: 'EMAIL' });
  await confirmSignUp({ username, confirmationCode: code });
  assert.equal((await signIn({ username, password })).isSignedIn, true);
  assert.equal((await getCurrentUser()).userId, result.userId);
  const { tokens } = await fetchAuthSession();
  assert.equal(tokens.idToken.payload.email_verified, true);
}));

test('signUp with autoSignIn → confirmSignUp → COMPLETE_AUTO_SIGN_IN → autoSignIn() → DONE', (t) => whenImplemented(t, async () => {
  const username = uniqueUsername('ampauto');
  const password = strongPassword();
  const result = await signUp({ username, password, options: { userAttributes: { email: `${username}@example.com` }, autoSignIn: true } });
  assert.equal(result.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  const code = await waitForCode(ctx.userPoolId, username, { purpose: 'SIGN_UP', channel: 'EMAIL' });
  const confirmed = await confirmSignUp({ username, confirmationCode: code });
  assert.deepEqual(confirmed, { isSignUpComplete: true, nextStep: { signUpStep: 'COMPLETE_AUTO_SIGN_IN' } });
  assert.deepEqual(await autoSignIn(), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal((await getCurrentUser()).userId, result.userId);
}));

test('NEW_PASSWORD_REQUIRED → CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED → confirmSignIn → DONE', (t) => whenImplemented(t, async () => {
  const u = await createTemporaryPasswordUser(ctx, { attributes: { email: `${uniqueUsername('amptemp')}@example.com` } });
  const first = await signIn({ username: u.username, password: u.temporaryPassword });
  assert.equal(first.isSignedIn, false);
  assert.equal(first.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED');
  assert.deepEqual(first.nextStep.missingAttributes ?? [], []);

  const newPassword = strongPassword();
  const done = await confirmSignIn({ challengeResponse: newPassword });
  assert.deepEqual(done, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  const current = await getCurrentUser();
  assert.equal(current.username, u.username);
  assert.equal((await adminGetUser(ctx, u.username)).UserStatus, 'CONFIRMED');

  await signOut();
  assert.equal((await signIn({ username: u.username, password: newPassword })).isSignedIn, true);
}));

test('a pool with email as username: signIn with the email; getCurrentUser names the UUID username and the email as loginId', async (t) => {
  const emailPool = await createPool({ pool: { UsernameAttributes: ['email'] } });
  t.after(() => { configureAmplify(ctx); return emailPool.cleanup(); });
  await whenImplemented(t, async () => {
    configureAmplify(emailPool);
    const email = `${uniqueUsername('ampalias')}@example.com`;
    const u = await createConfirmedUser(emailPool, { username: email, attributes: { email } });
    assert.match(u.user.Username, /^[0-9a-f-]{36}$/);
    for (const authFlowType of ['USER_SRP_AUTH', 'USER_PASSWORD_AUTH']) {
      assert.equal((await signIn({ username: email, password: u.password, options: { authFlowType } })).isSignedIn, true, authFlowType);
      const current = await getCurrentUser();
      assert.equal(current.username, u.user.Username);
      assert.deepEqual(current.signInDetails, { loginId: email, authFlowType });
      await signOut();
    }
  });
});

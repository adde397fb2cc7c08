// MFA through amazon-cognito-identity-js: TOTP set up while signed in and
// then challenged, TOTP set up inside MFA_SETUP in an MFA ON pool, SMS MFA
// with the code read from the outbox, and SELECT_MFA_TYPE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createMfaPool, createConfirmedUser, uniqueUsername } from '../lib/admin.js';
import {
  userPool, cognitoUser, authenticate, sendMFACode, sendMFASelectionAnswer, nodeback, associateSoftwareToken, verifySoftwareToken, tokens,
} from '../lib/identityjs.js';
import { freshCode, usedCode, wrongCode } from '../lib/totp.js';
import { waitForMessage, countMessages } from '../lib/outbox.js';
import { verifyWithJose } from '../lib/jwt.js';
import { whenImplemented, rejectsWith } from '../lib/pending.js';
import * as wire from '../lib/wire.js';

const PHONE = '+12065550108';
let optional; // MFA OPTIONAL, TOTP and SMS offered
let required; // MFA ON, TOTP only
before(async () => {
  optional = await createMfaPool({ mfa: 'OPTIONAL', factors: ['TOTP', 'SMS'] });
  required = await createMfaPool({ mfa: 'ON', factors: ['TOTP'] });
});
after(async () => {
  await optional?.cleanup();
  await required?.cleanup();
});

async function signedIn(ctx, attributes = {}) {
  const u = await createConfirmedUser(ctx, { attributes: { email: `${uniqueUsername('mfa')}@example.com`, ...attributes } });
  const pool = userPool(ctx);
  const user = cognitoUser(pool, u.username);
  const outcome = await authenticate(user, u.password);
  assert.equal(outcome.kind, 'success', 'no MFA before the user sets a factor up (OPTIONAL pool)');
  return { ...u, pool, user };
}

// enableTotp sets TOTP up for a signed-in user and makes it preferred.
async function enableTotp(s) {
  const secret = await associateSoftwareToken(s.user);
  assert.match(secret, /^[A-Z2-7]{16,}$/, 'the secret is unpadded base32');
  const verified = await verifySoftwareToken(s.user, await freshCode(secret));
  assert.equal(verified.Status, 'SUCCESS');
  assert.equal(verified.Session, undefined, 'no Session on the access-token path');
  assert.equal(await nodeback(s.user, 'setUserMfaPreference', null, { Enabled: true, PreferredMfa: true }), 'SUCCESS');
  return secret;
}

test('TOTP setup while signed in: associate, verify (a wrong code is refused), prefer; GetUser shows it', (t) => whenImplemented(t, async () => {
  const s = await signedIn(optional);
  await rejectsWith(nodeback(s.user, 'setUserMfaPreference', null, { Enabled: true, PreferredMfa: true }),
    { name: 'InvalidParameterException', message: 'User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA' });
  const secret = await associateSoftwareToken(s.user);
  assert.match(secret, /^[A-Z2-7]{16,}$/, 'the secret is unpadded base32');
  await rejectsWith(verifySoftwareToken(s.user, wrongCode(secret)),
    { name: 'EnableSoftwareTokenMFAException', message: 'Code mismatch and fail enable Software Token MFA' });
  const verified = await verifySoftwareToken(s.user, await freshCode(secret));
  assert.deepEqual(verified, { Status: 'SUCCESS' }, 'no Session on the access-token path');
  assert.equal(await nodeback(s.user, 'setUserMfaPreference', null, { Enabled: true, PreferredMfa: true }), 'SUCCESS');
  const me = await optional.client.send(new GetUserCommand({ AccessToken: tokens(s.user.getSignInUserSession()).accessToken }));
  assert.equal(me.PreferredMfaSetting, 'SOFTWARE_TOKEN_MFA');
  assert.deepEqual(me.UserMFASettingList, ['SOFTWARE_TOKEN_MFA']);
}));

test('TOTP at sign-in: the challenge comes with a Session; a wrong code keeps it; a fresh code completes it', (t) => whenImplemented(t, async () => {
  const s = await signedIn(optional);
  const secret = await enableTotp(s);
  const user = cognitoUser(s.pool, s.username);
  const start = wire.mark();
  const challenged = await authenticate(user, s.password);
  assert.equal(challenged.kind, 'totpRequired');
  assert.equal(challenged.challengeName, 'SOFTWARE_TOKEN_MFA');
  const [challenge] = wire.responses('RespondToAuthChallenge', start);
  assert.equal(typeof challenge.Session, 'string', 'the MFA challenge carries a Session');

  // A wrong code does not spend the session (spec §7.6).
  const err = await rejectsWith(sendMFACode(user, wrongCode(secret), 'SOFTWARE_TOKEN_MFA'), { name: 'CodeMismatchException' });
  assert.match(err.message, /^Invalid code received for user\.?$/);
  const done = await sendMFACode(user, await freshCode(secret), 'SOFTWARE_TOKEN_MFA');
  assert.equal(done.kind, 'success');
  const access = await verifyWithJose(done.session.getAccessToken().getJwtToken(), optional.userPoolId);
  assert.equal(access.payload.username, s.username);
}));

test('TOTP: a code already used once → ExpiredCodeException "Your software token has already been used once."', (t) => whenImplemented(t, async () => {
  const s = await signedIn(optional);
  const secret = await enableTotp(s);
  const first = cognitoUser(s.pool, s.username);
  assert.equal((await authenticate(first, s.password)).kind, 'totpRequired');
  assert.equal((await sendMFACode(first, await freshCode(secret), 'SOFTWARE_TOKEN_MFA')).kind, 'success');

  const second = cognitoUser(s.pool, s.username);
  assert.equal((await authenticate(second, s.password)).kind, 'totpRequired');
  await rejectsWith(sendMFACode(second, usedCode(secret), 'SOFTWARE_TOKEN_MFA'),
    { name: 'ExpiredCodeException', message: 'Your software token has already been used once.' });
}));

test('MFA ON: the first sign-in gets MFA_SETUP; associate/verify with the session completes it; the next sign-in asks for TOTP', (t) => whenImplemented(t, async () => {
  const u = await createConfirmedUser(required);
  const pool = userPool(required);
  const user = cognitoUser(pool, u.username);
  const setup = await authenticate(user, u.password);
  assert.equal(setup.kind, 'mfaSetup');
  assert.equal(setup.challengeName, 'MFA_SETUP');
  assert.deepEqual(JSON.parse(setup.challengeParameters.MFAS_CAN_SETUP), ['SOFTWARE_TOKEN_MFA']);

  assert.equal(setup.challengeParameters.USER_ID_FOR_SRP, u.username);

  const start = wire.mark();
  const secret = await associateSoftwareToken(user);
  const session = await verifySoftwareToken(user, await freshCode(secret));
  assert.ok(session.isValid(), 'MFA_SETUP answered with the VerifySoftwareToken session gives tokens');
  // The session chain of spec §7.4: Associate(S1) → S2, Verify(S2) → S3, MFA_SETUP(S3) → tokens.
  const [associated] = wire.responses('AssociateSoftwareToken', start);
  const [verified] = wire.responses('VerifySoftwareToken', start);
  const [answer] = wire.requests('RespondToAuthChallenge', start);
  const [result] = wire.responses('RespondToAuthChallenge', start);
  assert.equal(typeof associated.Session, 'string', 'AssociateSoftwareToken with a Session returns a new one');
  assert.equal(wire.requests('VerifySoftwareToken', start)[0].Session, associated.Session);
  assert.equal(verified.Status, 'SUCCESS');
  assert.equal(typeof verified.Session, 'string');
  assert.equal(answer.Session, verified.Session);
  assert.deepEqual(result.ChallengeParameters, {});
  await verifyWithJose(session.getIdToken().getJwtToken(), required.userPoolId);

  const again = cognitoUser(pool, u.username);
  assert.equal((await authenticate(again, u.password)).kind, 'totpRequired');
  assert.equal((await sendMFACode(again, await freshCode(secret), 'SOFTWARE_TOKEN_MFA')).kind, 'success');
}));

test('SMS MFA: the code goes to the phone (outbox) and the challenge shows the masked number', (t) => whenImplemented(t, async () => {
  const s = await signedIn(optional, { phone_number: PHONE });
  assert.equal(await nodeback(s.user, 'setUserMfaPreference', { Enabled: true, PreferredMfa: true }, null), 'SUCCESS');

  const user = cognitoUser(s.pool, s.username);
  const before = await countMessages(optional.userPoolId, s.username, { purpose: 'MFA', channel: 'SMS' });
  const challenged = await authenticate(user, s.password);
  assert.equal(challenged.kind, 'mfaRequired');
  assert.equal(challenged.challengeName, 'SMS_MFA');
  assert.equal(challenged.challengeParameters.CODE_DELIVERY_DELIVERY_MEDIUM, 'SMS');
  assert.equal(challenged.challengeParameters.CODE_DELIVERY_DESTINATION, '+*******0108');

  const message = await waitForMessage(optional.userPoolId, s.username, { purpose: 'MFA', channel: 'SMS', after: before });
  assert.equal(message.Destination, PHONE);
  const wrong = message.Code === '000000' ? '111111' : '000000';
  await rejectsWith(sendMFACode(user, wrong), { name: 'CodeMismatchException', message: 'Invalid code or auth state for the user.' });
  const done = await sendMFACode(user, message.Code);
  assert.equal(done.kind, 'success');
}));

test('SELECT_MFA_TYPE: with SMS and TOTP enabled and neither preferred, the user picks TOTP', (t) => whenImplemented(t, async () => {
  const s = await signedIn(optional, { phone_number: PHONE });
  const secret = await associateSoftwareToken(s.user);
  assert.equal((await verifySoftwareToken(s.user, await freshCode(secret))).Status, 'SUCCESS');
  assert.equal(await nodeback(s.user, 'setUserMfaPreference', { Enabled: true, PreferredMfa: false }, { Enabled: true, PreferredMfa: false }), 'SUCCESS');

  const user = cognitoUser(s.pool, s.username);
  const select = await authenticate(user, s.password);
  assert.equal(select.kind, 'selectMFAType');
  assert.deepEqual(JSON.parse(select.challengeParameters.MFAS_CAN_CHOOSE).sort(), ['SMS_MFA', 'SOFTWARE_TOKEN_MFA']);
  const totp = await sendMFASelectionAnswer(user, 'SOFTWARE_TOKEN_MFA');
  assert.equal(totp.kind, 'totpRequired');
  assert.equal((await sendMFACode(user, await freshCode(secret), 'SOFTWARE_TOKEN_MFA')).kind, 'success');
}));

test('a session answered once cannot be answered again: "Invalid session for the user, session can only be used once."', (t) => whenImplemented(t, async () => {
  const s = await signedIn(optional);
  const secret = await enableTotp(s);
  const user = cognitoUser(s.pool, s.username);
  assert.equal((await authenticate(user, s.password)).kind, 'totpRequired');
  assert.equal((await sendMFACode(user, await freshCode(secret), 'SOFTWARE_TOKEN_MFA')).kind, 'success');
  // The library still holds the challenge's session; answering it again must
  // fail. (Any code will do: the session names the user whose code is checked,
  // so it is checked first; a fresh code would mean waiting for the next step.)
  await rejectsWith(sendMFACode(user, wrongCode(secret), 'SOFTWARE_TOKEN_MFA'),
    { name: 'NotAuthorizedException', message: 'Invalid session for the user, session can only be used once.' });
}));

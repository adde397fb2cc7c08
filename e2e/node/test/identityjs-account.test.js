// Account operations through amazon-cognito-identity-js: changePassword,
// forgotPassword + confirmPassword (code from the outbox), updateAttributes +
// attribute verification, deleteUser, and the password lockout a client sees.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, createConfirmedUser, adminGetUser, uniqueUsername, strongPassword, attributeMap } from '../lib/admin.js';
import { userPool, cognitoUser, authenticate, nodeback, callbacks, CognitoUserAttribute } from '../lib/identityjs.js';
import { waitForMessage, countMessages } from '../lib/outbox.js';
import { whenImplemented, rejectsWith } from '../lib/pending.js';

let ctx;
before(async () => {
  ctx = await createPool();
});
after(() => ctx?.cleanup());

async function signedIn() {
  const email = `${uniqueUsername('acct')}@example.com`;
  const u = await createConfirmedUser(ctx, { attributes: { email, email_verified: 'true' } });
  const pool = userPool(ctx);
  const user = cognitoUser(pool, u.username);
  const outcome = await authenticate(user, u.password);
  assert.equal(outcome.kind, 'success');
  return { ...u, email, pool, user };
}

const INCORRECT = { name: 'NotAuthorizedException', message: 'Incorrect username or password.' };

test('changePassword: the new password signs in, the old one does not; a wrong previous password is refused', (t) => whenImplemented(t, async () => {
  const s = await signedIn();
  await rejectsWith(nodeback(s.user, 'changePassword', 'Not-the-passw0rd!', strongPassword()), INCORRECT);
  const err = await rejectsWith(nodeback(s.user, 'changePassword', s.password, 'short'), { name: 'InvalidPasswordException' });
  // Cognito words this prefix per operation; for ChangePassword captures are
  // scarce (internal/password.PrefixFor), so either wording is accepted.
  assert.match(err.message, /^Password (did not conform with|does not conform to) policy: Password not long enough$/);

  const newPassword = strongPassword();
  assert.equal(await nodeback(s.user, 'changePassword', s.password, newPassword), 'SUCCESS');
  assert.equal((await authenticate(cognitoUser(s.pool, s.username), newPassword)).kind, 'success');
  await rejectsWith(authenticate(cognitoUser(s.pool, s.username), s.password), INCORRECT);
}));

test('forgotPassword sends a code to the verified email; confirmPassword with it sets the new password', (t) => whenImplemented(t, async () => {
  const s = await signedIn();
  const user = cognitoUser(s.pool, s.username);
  const before = await countMessages(ctx.userPoolId, s.username, { purpose: 'FORGOT_PASSWORD' });
  const data = await new Promise((resolve, reject) => user.forgotPassword({ onFailure: reject, inputVerificationCode: resolve }));
  assert.equal(data.CodeDeliveryDetails.DeliveryMedium, 'EMAIL');
  assert.equal(data.CodeDeliveryDetails.AttributeName, 'email');
  assert.notEqual(data.CodeDeliveryDetails.Destination, s.email, 'the destination is masked');

  const message = await waitForMessage(ctx.userPoolId, s.username, { purpose: 'FORGOT_PASSWORD', channel: 'EMAIL', after: before });
  assert.equal(message.Destination, s.email);
  const wrong = message.Code === '000000' ? '111111' : '000000';
  const newPassword = strongPassword();
  await rejectsWith(callbacks(user, 'confirmPassword', wrong, newPassword),
    { name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.' });
  assert.equal(await callbacks(user, 'confirmPassword', message.Code, newPassword), 'SUCCESS');

  assert.equal((await authenticate(cognitoUser(s.pool, s.username), newPassword)).kind, 'success');
  await rejectsWith(authenticate(cognitoUser(s.pool, s.username), s.password), INCORRECT);
  // The code is spent.
  await rejectsWith(callbacks(user, 'confirmPassword', message.Code, strongPassword()), { name: 'ExpiredCodeException' });
}));

test('updateAttributes: a new email is sent a code; verifyAttribute with it marks it verified', (t) => whenImplemented(t, async () => {
  const s = await signedIn();
  const newEmail = `${uniqueUsername('changed')}@example.com`;
  const before = await countMessages(ctx.userPoolId, s.username, { purpose: 'VERIFY_ATTRIBUTE' });
  await nodeback(s.user, 'updateAttributes', [new CognitoUserAttribute({ Name: 'email', Value: newEmail }), new CognitoUserAttribute({ Name: 'name', Value: 'Ada' })]);

  let attrs = attributeMap((await adminGetUser(ctx, s.username)).UserAttributes);
  assert.equal(attrs.name, 'Ada');
  assert.equal(attrs.email, newEmail);
  assert.equal(attrs.email_verified, 'false', 'a changed email is unverified until its code is entered');

  const message = await waitForMessage(ctx.userPoolId, s.username, { purpose: 'VERIFY_ATTRIBUTE', channel: 'EMAIL', after: before });
  assert.equal(message.Destination, newEmail);
  const wrong = message.Code === '000000' ? '111111' : '000000';
  await rejectsWith(callbacks(s.user, 'verifyAttribute', 'email', wrong),
    { name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.' });
  assert.equal(await callbacks(s.user, 'verifyAttribute', 'email', message.Code), 'SUCCESS');
  attrs = attributeMap(await nodeback(s.user, 'getUserAttributes'));
  assert.equal(attrs.email_verified, 'true');
}));

test('getAttributeVerificationCode sends a fresh code for the email', (t) => whenImplemented(t, async () => {
  const s = await signedIn();
  const before = await countMessages(ctx.userPoolId, s.username, { purpose: 'VERIFY_ATTRIBUTE' });
  const data = await new Promise((resolve, reject) =>
    s.user.getAttributeVerificationCode('email', { onFailure: reject, onSuccess: resolve, inputVerificationCode: resolve }));
  assert.equal(data.CodeDeliveryDetails.AttributeName, 'email');
  const message = await waitForMessage(ctx.userPoolId, s.username, { purpose: 'VERIFY_ATTRIBUTE', after: before });
  assert.equal(await callbacks(s.user, 'verifyAttribute', 'email', message.Code), 'SUCCESS');
}));

test('deleteUser removes the user; signing in again → UserNotFoundException', (t) => whenImplemented(t, async () => {
  const s = await signedIn();
  assert.equal(await nodeback(s.user, 'deleteUser'), 'SUCCESS');
  await rejectsWith(authenticate(cognitoUser(s.pool, s.username), s.password), { name: 'UserNotFoundException', message: 'User does not exist.' });
}));

test('repeated wrong passwords lock the user: NotAuthorizedException "Password attempts exceeded"', (t) => whenImplemented(t, async () => {
  const u = await createConfirmedUser(ctx);
  const pool = userPool(ctx);
  const attempts = [];
  for (let i = 0; i < 10; i++) {
    const sent = Date.now();
    const err = await rejectsWith(authenticate(cognitoUser(pool, u.username), `${u.password}x`, { flow: 'USER_PASSWORD_AUTH' }), { name: 'NotAuthorizedException' });
    attempts.push({ sent, message: err.message });
    if (err.message === 'Password attempts exceeded') break;
  }
  const messages = attempts.map((a) => a.message);
  const first = messages.indexOf('Password attempts exceeded');
  // Spec §7.2: locked after 5 failures, for 1 s, doubling with each further
  // failure. A slow run may reach the 6th attempt after the first second, so
  // the lock may show a little later than the 6th answer, never earlier than the 5th.
  assert.ok(first >= 4, `locked too early (answers: ${JSON.stringify(messages)})`);
  assert.ok(first !== -1, `never locked after 10 failures (answers: ${JSON.stringify(messages)})`);
  assert.ok(messages.slice(0, first).every((m) => m === 'Incorrect username or password.'));

  // While locked, even the right password is refused the same way. The lock
  // lasts at least 1 s from the last counted failure, so this is only
  // checked when the answer comes back inside that second.
  const lastFailure = attempts[first - 1].sent;
  let err;
  try {
    await authenticate(cognitoUser(pool, u.username), u.password, { flow: 'USER_PASSWORD_AUTH' });
  } catch (e) {
    err = e;
  }
  const elapsed = Date.now() - lastFailure;
  if (elapsed < 1000) {
    assert.ok(err, `the right password was accepted ${elapsed} ms after the last failure, inside the 1 s lock`);
    assert.equal(err.message, 'Password attempts exceeded');
  } else {
    t.diagnostic(`the locked-state check was not made: the run was too slow (${elapsed} ms since the last failure)`);
    if (err) assert.equal(err.message, 'Password attempts exceeded');
  }
}));

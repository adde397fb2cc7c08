// Account operations through Amplify v6: updatePassword, resetPassword +
// confirmResetPassword (code from the outbox), updateUserAttributes +
// confirmUserAttribute, deleteUser.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  signIn, signOut, updatePassword, resetPassword, confirmResetPassword, updateUserAttributes, confirmUserAttribute,
  fetchUserAttributes, deleteUser, getCurrentUser,
} from 'aws-amplify/auth';
import { createPool, createConfirmedUser, uniqueUsername, strongPassword } from '../lib/admin.js';
import { configureAmplify } from '../lib/amplify.js';
import { waitForMessage, countMessages } from '../lib/outbox.js';
import { whenImplemented, rejectsWith } from '../lib/pending.js';

let ctx;
before(async () => {
  ctx = await createPool();
  configureAmplify(ctx);
});
afterEach(() => signOut().catch(() => {}));
after(() => ctx?.cleanup());

async function newUser() {
  const email = `${uniqueUsername('ampacct')}@example.com`;
  const u = await createConfirmedUser(ctx, { attributes: { email, email_verified: 'true' } });
  return { ...u, email };
}

test('updatePassword: the new password signs in; a wrong old password → NotAuthorizedException', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  await signIn({ username: u.username, password: u.password });
  await rejectsWith(updatePassword({ oldPassword: 'Not-the-passw0rd!', newPassword: strongPassword() }),
    { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  const newPassword = strongPassword();
  await updatePassword({ oldPassword: u.password, newPassword });
  await signOut();
  await rejectsWith(signIn({ username: u.username, password: u.password }), { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  assert.equal((await signIn({ username: u.username, password: newPassword })).isSignedIn, true);
}));

test('resetPassword → CONFIRM_RESET_PASSWORD_WITH_CODE; confirmResetPassword with the outbox code; sign in with the new password', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  const before = await countMessages(ctx.userPoolId, u.username, { purpose: 'FORGOT_PASSWORD' });
  const step = await resetPassword({ username: u.username });
  assert.equal(step.isPasswordReset, false);
  assert.equal(step.nextStep.resetPasswordStep, 'CONFIRM_RESET_PASSWORD_WITH_CODE');
  assert.equal(step.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  assert.equal(step.nextStep.codeDeliveryDetails.attributeName, 'email');
  const message = await waitForMessage(ctx.userPoolId, u.username, { purpose: 'FORGOT_PASSWORD', channel: 'EMAIL', after: before });
  const newPassword = strongPassword();
  const wrong = message.Code === '000000' ? '111111' : '000000';
  await rejectsWith(confirmResetPassword({ username: u.username, confirmationCode: wrong, newPassword }),
    { name: 'CodeMismatchException', message: 'Invalid verification code provided, please try again.' });
  await confirmResetPassword({ username: u.username, confirmationCode: message.Code, newPassword });
  assert.equal((await signIn({ username: u.username, password: newPassword })).isSignedIn, true);
}));

test('resetPassword of an unknown user → UserNotFoundException (PreventUserExistenceErrors LEGACY)', (t) => whenImplemented(t, async () => {
  await rejectsWith(resetPassword({ username: uniqueUsername('nobody') }), { name: 'UserNotFoundException', message: 'Username/client id combination not found.' });
}));

test('updateUserAttributes: name is DONE, email needs CONFIRM_ATTRIBUTE_WITH_CODE; confirmUserAttribute verifies it', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  await signIn({ username: u.username, password: u.password });
  const newEmail = `${uniqueUsername('ampchanged')}@example.com`;
  const before = await countMessages(ctx.userPoolId, u.username, { purpose: 'VERIFY_ATTRIBUTE' });
  const result = await updateUserAttributes({ userAttributes: { name: 'Grace', email: newEmail } });
  assert.deepEqual(result.name, { isUpdated: true, nextStep: { updateAttributeStep: 'DONE' } });
  assert.equal(result.email.isUpdated, false);
  assert.equal(result.email.nextStep.updateAttributeStep, 'CONFIRM_ATTRIBUTE_WITH_CODE');
  assert.equal(result.email.nextStep.codeDeliveryDetails.attributeName, 'email');

  const message = await waitForMessage(ctx.userPoolId, u.username, { purpose: 'VERIFY_ATTRIBUTE', channel: 'EMAIL', after: before });
  assert.equal(message.Destination, newEmail);
  await confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: message.Code });
  const attrs = await fetchUserAttributes();
  assert.equal(attrs.email, newEmail);
  assert.equal(attrs.email_verified, 'true');
  assert.equal(attrs.name, 'Grace');
}));

test('deleteUser signs the user out and removes it', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  await signIn({ username: u.username, password: u.password });
  await deleteUser();
  await rejectsWith(getCurrentUser(), { name: 'UserUnAuthenticatedException' });
  await rejectsWith(signIn({ username: u.username, password: u.password }), { name: 'UserNotFoundException', message: 'User does not exist.' });
}));

// MFA through Amplify v6: setUpTOTP / verifyTOTPSetup / updateMFAPreference /
// fetchMFAPreference, and the sign-in steps CONFIRM_SIGN_IN_WITH_TOTP_CODE,
// _SMS_CODE, _EMAIL_CODE, CONTINUE_SIGN_IN_WITH_MFA_SELECTION and
// CONTINUE_SIGN_IN_WITH_TOTP_SETUP, with codes from the outbox.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  signIn, signOut, confirmSignIn, setUpTOTP, verifyTOTPSetup, updateMFAPreference, fetchMFAPreference, getCurrentUser,
} from 'aws-amplify/auth';
import { createMfaPool, createConfirmedUser, uniqueUsername } from '../lib/admin.js';
import { configureAmplify } from '../lib/amplify.js';
import { freshCode, wrongCode } from '../lib/totp.js';
import { waitForMessage, countMessages } from '../lib/outbox.js';
import { whenImplemented, rejectsWith } from '../lib/pending.js';

const PHONE = '+12065550142';
let optional; // MFA OPTIONAL; TOTP, SMS and email offered
let required; // MFA ON; TOTP only
before(async () => {
  optional = await createMfaPool({ mfa: 'OPTIONAL', factors: ['TOTP', 'SMS', 'EMAIL'] });
  required = await createMfaPool({ mfa: 'ON', factors: ['TOTP'] });
  configureAmplify(optional);
});
afterEach(async () => {
  await signOut().catch(() => {});
  configureAmplify(optional);
});
after(async () => {
  await optional?.cleanup();
  await required?.cleanup();
});

// signedIn creates a user in the OPTIONAL pool and signs in with Amplify (no MFA yet).
async function signedIn(attributes = {}) {
  const email = `${uniqueUsername('ampmfa')}@example.com`;
  const u = await createConfirmedUser(optional, { attributes: { email, email_verified: 'true', ...attributes } });
  assert.deepEqual(await signIn({ username: u.username, password: u.password }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  return { ...u, email };
}

async function setUpTotpFor(u) {
  const details = await setUpTOTP();
  assert.match(details.sharedSecret, /^[A-Z2-7]{16,}$/);
  // Amplify writes the account name as JSON.stringify(cognito:username), quotes included.
  const uri = new URL(details.getSetupUri('userpoold-e2e').toString());
  assert.equal(`${uri.protocol}//${uri.host}${decodeURIComponent(uri.pathname)}`, `otpauth://totp/userpoold-e2e:"${u.username}"`);
  assert.equal(uri.searchParams.get('secret'), details.sharedSecret);
  await verifyTOTPSetup({ code: await freshCode(details.sharedSecret) });
  return details.sharedSecret;
}

test('setUpTOTP + verifyTOTPSetup + updateMFAPreference({ totp: PREFERRED }) → fetchMFAPreference', (t) => whenImplemented(t, async () => {
  const u = await signedIn();
  assert.deepEqual(await fetchMFAPreference(), { preferred: undefined, enabled: undefined });
  const details = await setUpTOTP();
  await rejectsWith(verifyTOTPSetup({ code: wrongCode(details.sharedSecret) }),
    { name: 'EnableSoftwareTokenMFAException', message: 'Code mismatch and fail enable Software Token MFA' });
  await verifyTOTPSetup({ code: await freshCode(details.sharedSecret) });
  await updateMFAPreference({ totp: 'PREFERRED' });
  assert.deepEqual(await fetchMFAPreference(), { preferred: 'TOTP', enabled: ['TOTP'] });
  assert.equal((await getCurrentUser()).username, u.username);
}));

test('updateMFAPreference({ sms: PREFERRED }) for a user with a phone number, and { email: ENABLED }', (t) => whenImplemented(t, async () => {
  await signedIn({ phone_number: PHONE });
  await updateMFAPreference({ sms: 'PREFERRED', email: 'ENABLED' });
  const pref = await fetchMFAPreference();
  assert.equal(pref.preferred, 'SMS');
  assert.deepEqual([...pref.enabled].sort(), ['EMAIL', 'SMS']);
}));

test('sign-in with TOTP: CONFIRM_SIGN_IN_WITH_TOTP_CODE → confirmSignIn(code) → DONE', (t) => whenImplemented(t, async () => {
  const u = await signedIn();
  const secret = await setUpTotpFor(u);
  await updateMFAPreference({ totp: 'PREFERRED' });
  await signOut();

  const step = await signIn({ username: u.username, password: u.password });
  assert.deepEqual(step, { isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' } });
  await rejectsWith(confirmSignIn({ challengeResponse: wrongCode(secret) }), { name: 'CodeMismatchException' });
  assert.deepEqual(await confirmSignIn({ challengeResponse: await freshCode(secret) }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal((await getCurrentUser()).username, u.username);
}));

test('sign-in with SMS MFA: CONFIRM_SIGN_IN_WITH_SMS_CODE (masked number) → confirmSignIn(outbox code) → DONE', (t) => whenImplemented(t, async () => {
  const u = await signedIn({ phone_number: PHONE });
  await updateMFAPreference({ sms: 'PREFERRED' });
  await signOut();

  const before = await countMessages(optional.userPoolId, u.username, { purpose: 'MFA', channel: 'SMS' });
  const step = await signIn({ username: u.username, password: u.password });
  assert.equal(step.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
  assert.deepEqual(step.nextStep.codeDeliveryDetails, { deliveryMedium: 'SMS', destination: '+*******0142' });
  const message = await waitForMessage(optional.userPoolId, u.username, { purpose: 'MFA', channel: 'SMS', after: before });
  assert.equal(message.Destination, PHONE);
  assert.deepEqual(await confirmSignIn({ challengeResponse: message.Code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
}));

test('sign-in with email MFA: CONFIRM_SIGN_IN_WITH_EMAIL_CODE → confirmSignIn(outbox code) → DONE', (t) => whenImplemented(t, async () => {
  const u = await signedIn();
  await updateMFAPreference({ email: 'PREFERRED' });
  await signOut();

  const before = await countMessages(optional.userPoolId, u.username, { purpose: 'MFA', channel: 'EMAIL' });
  const step = await signIn({ username: u.username, password: u.password });
  assert.equal(step.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  assert.equal(step.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  assert.notEqual(step.nextStep.codeDeliveryDetails.destination, u.email, 'the destination is masked');
  const message = await waitForMessage(optional.userPoolId, u.username, { purpose: 'MFA', channel: 'EMAIL', after: before });
  assert.equal(message.Destination, u.email);
  assert.deepEqual(await confirmSignIn({ challengeResponse: message.Code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
}));

test('SELECT_MFA_TYPE: CONTINUE_SIGN_IN_WITH_MFA_SELECTION → choose TOTP → code → DONE', (t) => whenImplemented(t, async () => {
  const u = await signedIn({ phone_number: PHONE });
  const secret = await setUpTotpFor(u);
  await updateMFAPreference({ sms: 'NOT_PREFERRED', totp: 'NOT_PREFERRED' });
  await signOut();

  const step = await signIn({ username: u.username, password: u.password });
  assert.equal(step.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION');
  assert.deepEqual([...step.nextStep.allowedMFATypes].sort(), ['SMS', 'TOTP']);
  const totp = await confirmSignIn({ challengeResponse: 'TOTP' });
  assert.equal(totp.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE');
  assert.equal((await confirmSignIn({ challengeResponse: await freshCode(secret) })).isSignedIn, true);
}));

test('MFA ON: CONTINUE_SIGN_IN_WITH_TOTP_SETUP → confirmSignIn(code) → DONE; the next sign-in asks for the code', (t) => whenImplemented(t, async () => {
  configureAmplify(required);
  const u = await createConfirmedUser(required);
  const step = await signIn({ username: u.username, password: u.password });
  assert.equal(step.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP');
  const secret = step.nextStep.totpSetupDetails.sharedSecret;
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  assert.deepEqual(await confirmSignIn({ challengeResponse: await freshCode(secret) }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  await signOut();
  const again = await signIn({ username: u.username, password: u.password });
  assert.equal(again.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE');
  assert.equal((await confirmSignIn({ challengeResponse: await freshCode(secret) })).isSignedIn, true);
}));

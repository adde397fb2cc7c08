// Choice-based sign-in (AuthFlow USER_AUTH) through Amplify v6: a preferred
// PASSWORD_SRP or PASSWORD first factor, SELECT_CHALLENGE
// (CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION) answered with each factor,
// and passwordless EMAIL_OTP and SMS_OTP with the codes from the outbox.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, signOut, confirmSignIn, getCurrentUser } from 'aws-amplify/auth';
import { createPool, createConfirmedUser, uniqueUsername } from '../lib/admin.js';
import { configureAmplify } from '../lib/amplify.js';
import { waitForMessage, countMessages } from '../lib/outbox.js';
import { whenImplemented } from '../lib/pending.js';

let ctx;
before(async () => {
  ctx = await createPool({
    pool: { Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'SMS_OTP'] } } },
    client: { ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
  });
  configureAmplify(ctx);
});
afterEach(() => signOut().catch(() => {}));
after(() => ctx?.cleanup());

let phones = 0;
async function newUser() {
  const email = `${uniqueUsername('userauth')}@example.com`;
  const phone = `+1206555${String(1000 + phones++).slice(-4)}`;
  const u = await createConfirmedUser(ctx, { attributes: { email, email_verified: 'true', phone_number: phone, phone_number_verified: 'true' } });
  return { ...u, email, phone };
}

test('USER_AUTH with preferredChallenge PASSWORD_SRP and PASSWORD → DONE', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  for (const preferredChallenge of ['PASSWORD_SRP', 'PASSWORD']) {
    const out = await signIn({ username: u.username, password: u.password, options: { authFlowType: 'USER_AUTH', preferredChallenge } });
    assert.deepEqual(out, { isSignedIn: true, nextStep: { signInStep: 'DONE' } }, preferredChallenge);
    assert.equal((await getCurrentUser()).signInDetails.authFlowType, 'USER_AUTH');
    await signOut();
  }
}));

test('USER_AUTH without a preference → CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION → PASSWORD_SRP → password → DONE', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  const first = await signIn({ username: u.username, options: { authFlowType: 'USER_AUTH' } });
  assert.equal(first.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
  assert.ok(first.nextStep.availableChallenges.includes('PASSWORD_SRP'), JSON.stringify(first.nextStep));
  assert.ok(first.nextStep.availableChallenges.includes('EMAIL_OTP'), JSON.stringify(first.nextStep));
  const password = await confirmSignIn({ challengeResponse: 'PASSWORD_SRP' });
  assert.equal(password.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_PASSWORD');
  assert.deepEqual(await confirmSignIn({ challengeResponse: u.password }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
}));

test('USER_AUTH passwordless EMAIL_OTP: CONFIRM_SIGN_IN_WITH_EMAIL_CODE → outbox code → DONE', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  const before = await countMessages(ctx.userPoolId, u.username, { channel: 'EMAIL' });
  const step = await signIn({ username: u.username, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } });
  assert.equal(step.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  assert.equal(step.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
  const message = await waitForMessage(ctx.userPoolId, u.username, { channel: 'EMAIL', after: before });
  assert.equal(message.Destination, u.email);
  assert.deepEqual(await confirmSignIn({ challengeResponse: message.Code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
}));

test('USER_AUTH passwordless SMS_OTP: CONFIRM_SIGN_IN_WITH_SMS_CODE → an 8-digit code from the outbox → DONE', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  const before = await countMessages(ctx.userPoolId, u.username, { channel: 'SMS' });
  const step = await signIn({ username: u.username, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'SMS_OTP' } });
  assert.equal(step.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
  assert.equal(step.nextStep.codeDeliveryDetails.deliveryMedium, 'SMS');
  const message = await waitForMessage(ctx.userPoolId, u.username, { channel: 'SMS', after: before });
  assert.equal(message.Destination, u.phone);
  assert.match(message.Code, /^[0-9]{8}$/);
  assert.deepEqual(await confirmSignIn({ challengeResponse: message.Code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
}));

test('USER_AUTH first-factor selection → EMAIL_OTP: a wrong code is CodeMismatchException and the right one still signs in', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  const before = await countMessages(ctx.userPoolId, u.username, { channel: 'EMAIL' });
  const first = await signIn({ username: u.username, options: { authFlowType: 'USER_AUTH' } });
  assert.equal(first.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
  assert.deepEqual(first.nextStep.availableChallenges, ['PASSWORD', 'PASSWORD_SRP', 'EMAIL_OTP', 'SMS_OTP']);
  const step = await confirmSignIn({ challengeResponse: 'EMAIL_OTP' });
  assert.equal(step.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  const message = await waitForMessage(ctx.userPoolId, u.username, { channel: 'EMAIL', after: before });
  await assert.rejects(confirmSignIn({ challengeResponse: message.Code === '00000000' ? '11111111' : '00000000' }), { name: 'CodeMismatchException' });
  assert.deepEqual(await confirmSignIn({ challengeResponse: message.Code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
}));

test('USER_AUTH first-factor selection → PASSWORD → CONFIRM_SIGN_IN_WITH_PASSWORD → DONE', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  const first = await signIn({ username: u.username, options: { authFlowType: 'USER_AUTH' } });
  assert.equal(first.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
  const password = await confirmSignIn({ challengeResponse: 'PASSWORD' });
  assert.equal(password.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_PASSWORD');
  assert.deepEqual(await confirmSignIn({ challengeResponse: u.password }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal((await getCurrentUser()).username, u.username);
}));

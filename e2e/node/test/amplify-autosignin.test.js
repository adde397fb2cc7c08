// Sign-in after sign-up through Amplify v6: signUp with autoSignIn
// {authFlowType: 'USER_AUTH'}, confirmSignUp with the code from the outbox
// (COMPLETE_AUTO_SIGN_IN), then autoSignIn(), which sends InitiateAuth
// USER_AUTH with the Session ConfirmSignUp answered.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { signUp, confirmSignUp, autoSignIn, signOut, getCurrentUser, fetchAuthSession } from 'aws-amplify/auth';
import { createPool, uniqueUsername } from '../lib/admin.js';
import { configureAmplify } from '../lib/amplify.js';
import { waitForMessage } from '../lib/outbox.js';

let ctx;
before(async () => {
  ctx = await createPool({
    pool: {
      AutoVerifiedAttributes: ['email'],
      Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] } },
    },
    client: { ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
  });
  configureAmplify(ctx);
});
afterEach(() => signOut().catch(() => {}));
after(() => ctx?.cleanup());

test('signUp → confirmSignUp → COMPLETE_AUTO_SIGN_IN → autoSignIn() → DONE (USER_AUTH with the ConfirmSignUp session)', async () => {
  const username = uniqueUsername('autosignin');
  const email = `${username}@example.com`;
  const up = await signUp({
    username,
    password: 'Passw0rd!autosignin',
    options: { userAttributes: { email }, autoSignIn: { authFlowType: 'USER_AUTH' } },
  });
  assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  const message = await waitForMessage(ctx.userPoolId, username, { channel: 'EMAIL' });
  const confirmed = await confirmSignUp({ username, confirmationCode: message.Code });
  assert.equal(confirmed.isSignUpComplete, true);
  assert.equal(confirmed.nextStep.signUpStep, 'COMPLETE_AUTO_SIGN_IN');
  const out = await autoSignIn();
  assert.deepEqual(out, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal((await getCurrentUser()).username, username);
  const session = await fetchAuthSession();
  assert.equal(session.tokens.idToken.payload.email, email);
});

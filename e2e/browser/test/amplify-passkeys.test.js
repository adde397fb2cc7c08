// Amplify v6's passkey API in headless Chromium against userpoold itself:
// a USER_AUTH password sign-in, associateWebAuthnCredential with Chromium's
// virtual authenticator (navigator.credentials.create), listWebAuthnCredentials,
// a WEB_AUTHN sign-in (navigator.credentials.get inside signIn) and
// deleteWebAuthnCredential. The page is served from http://localhost:PORT
// (passkeyserver's static pages), the pool's RP ID is localhost, so
// userpoold must accept that dev-server origin. Screenshots per step.
import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, DeleteUserPoolCommand,
  SetUserPoolMfaConfigCommand, AdminCreateUserCommand, AdminSetUserPasswordCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { launch, newPage, screenshot } from '../lib/browser.js';
import { addVirtualAuthenticator } from '../lib/webauthn.js';
import { startPasskeyServer } from '../lib/passkeyserver.js';
import { env } from '../lib/env.js';

const admin = new CognitoIdentityProviderClient({
  region: process.env.USERPOOLD_REGION || 'us-east-1',
  endpoint: env.endpoint,
  credentials: { accessKeyId: process.env.USERPOOLD_ADMIN_KEY_ID, secretAccessKey: process.env.USERPOOLD_ADMIN_SECRET },
  maxAttempts: 1,
});

// newPool makes a pool whose users may sign in with a password or a
// passkey (RP ID localhost, user verification required), one
// ALLOW_USER_AUTH client and one user with a permanent password.
async function newPool(t) {
  const { UserPool } = await admin.send(new CreateUserPoolCommand({
    PoolName: `passkeys-${randomUUID().slice(0, 8)}`,
    Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'WEB_AUTHN'] } },
  }));
  t.after(() => admin.send(new DeleteUserPoolCommand({ UserPoolId: UserPool.Id })).catch(() => {}));
  await admin.send(new SetUserPoolMfaConfigCommand({
    UserPoolId: UserPool.Id, MfaConfiguration: 'OFF',
    WebAuthnConfiguration: { RelyingPartyId: 'localhost', UserVerification: 'required' },
  }));
  const { UserPoolClient } = await admin.send(new CreateUserPoolClientCommand({
    UserPoolId: UserPool.Id, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  const username = `pk-${randomUUID().slice(0, 8)}`;
  const password = `Pw1!${randomBytes(9).toString('base64url')}aZ`;
  await admin.send(new AdminCreateUserCommand({ UserPoolId: UserPool.Id, Username: username, MessageAction: 'SUPPRESS' }));
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: UserPool.Id, Username: username, Password: password, Permanent: true }));
  return { userPoolId: UserPool.Id, clientId: UserPoolClient.ClientId, username, password };
}

// call runs one window.app step and fails the test with the page's error.
async function call(page, name, ...args) {
  const out = await page.evaluate(([n, a]) => window.app[n](...a), [name, args]);
  if (out.error) assert.fail(`${name}: ${JSON.stringify(out.error)}`);
  return out.value;
}

test('Amplify associateWebAuthnCredential, listWebAuthnCredentials, WEB_AUTHN signIn and deleteWebAuthnCredential', async (t) => {
  const pool = await newPool(t);
  const server = await startPasskeyServer(t);
  const context = await launch(t);
  const page = await newPage(t, context);
  await page.goto(`${server.url}/amplify/`);
  const authenticator = await addVirtualAuthenticator(page);
  await page.evaluate((cfg) => window.app.configure(cfg), { userPoolId: pool.userPoolId, clientId: pool.clientId, endpoint: env.endpoint });

  assert.deepEqual(await call(page, 'signInWithPassword', pool.username, pool.password), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  await call(page, 'associate');
  const held = await authenticator.credentials();
  assert.equal(held.length, 1, 'the virtual authenticator holds the new passkey');
  assert.equal(held[0].rpId, 'localhost');
  await screenshot(page, 'passkey-registered');

  const listed = await call(page, 'list');
  assert.equal(listed.credentials.length, 1, JSON.stringify(listed));
  const [cred] = listed.credentials;
  // Chromium reports credential IDs in standard base64; Cognito's are base64url.
  assert.equal(cred.credentialId, held[0].credentialId.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  assert.equal(cred.relyingPartyId, 'localhost');
  assert.equal(cred.friendlyCredentialName, 'Platform passkey');
  assert.equal(cred.authenticatorAttachment, 'platform');
  assert.deepEqual(cred.authenticatorTransports, ['internal']);
  assert.ok(Math.abs(Date.parse(cred.createdAt) - Date.now()) < 5 * 60_000, cred.createdAt);
  await screenshot(page, 'passkey-listed');

  await call(page, 'signOut');
  const before = held[0].signCount;
  assert.deepEqual(await call(page, 'signInWithPasskey', pool.username), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal((await call(page, 'currentUser')).username, pool.username);
  const after = (await authenticator.credentials())[0].signCount;
  assert.ok(after > before, `the authenticator signed (counter ${before} → ${after})`);
  await screenshot(page, 'signed-in-with-passkey');

  await call(page, 'remove', cred.credentialId);
  assert.deepEqual((await call(page, 'list')).credentials, []);
  await call(page, 'signOut');
  // Without a passkey, WEB_AUTHN is no longer available: the preferred
  // factor falls back to the first-factor selection, without WEB_AUTHN.
  const fallback = await call(page, 'signInWithPasskey', pool.username);
  assert.equal(fallback.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION', JSON.stringify(fallback));
  assert.deepEqual(fallback.nextStep.availableChallenges, ['PASSWORD', 'PASSWORD_SRP']);
  await screenshot(page, 'passkey-deleted');
});

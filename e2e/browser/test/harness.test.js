// The harness itself: Debian's chromium starts headless through
// playwright-core, loads an esbuild-bundled page from a localhost origin,
// runs a WebAuthn virtual authenticator, and reaches userpoold's
// cognito-idp endpoint cross-origin (CORS preflight included), as a web app
// using Amplify will.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, screenshot } from '../lib/browser.js';
import { addVirtualAuthenticator } from '../lib/webauthn.js';
import { startPasskeyServer } from '../lib/passkeyserver.js';
import { env } from '../lib/env.js';

test('headless Chromium loads a bundled localhost page and calls userpoold', async (t) => {
  const server = await startPasskeyServer(t);
  const context = await launch(t);
  const page = await newPage(t, context);
  await page.goto(`${server.url}/passkey/`);
  assert.equal(await page.title(), 'userpoold passkey harness');
  assert.equal(await page.evaluate(() => typeof window.passkey?.register), 'function', 'the esbuild bundle ran');
  assert.equal(await page.evaluate(() => window.isSecureContext), true, 'localhost is a secure context');

  // An unsigned operation with a token userpoold never issued: the answer
  // must be Cognito's error, read by the page through CORS.
  const out = await page.evaluate(([endpoint]) => window.passkey.cognito(endpoint, 'GetUser', { AccessToken: 'not-a-token' }), [env.endpoint]);
  assert.equal(out.status, 400);
  assert.equal(out.body.__type, 'NotAuthorizedException', JSON.stringify(out.body));
  await screenshot(page, 'userpoold-reached');
});

test('the virtual authenticator answers navigator.credentials', async (t) => {
  const server = await startPasskeyServer(t);
  const context = await launch(t);
  const page = await newPage(t, context);
  await page.goto(`${server.url}/passkey/`);
  const authenticator = await addVirtualAuthenticator(page);
  assert.deepEqual(await authenticator.credentials(), []);
  const ok = await page.evaluate(() => PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable());
  assert.equal(ok, true, 'a user-verifying platform authenticator is present');
  await authenticator.remove();
});

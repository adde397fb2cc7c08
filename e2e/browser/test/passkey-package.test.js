// internal/passkey against a real browser authenticator: Chromium's
// virtual authenticator registers a passkey with the options the package
// makes, signs in twice (its counter must rise and the package must see
// it), and a replayed answer is refused. The server is
// e2e/browser/passkeyserver (the package behind a JSON API); the page is
// pages/passkey.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, screenshot } from '../lib/browser.js';
import { addVirtualAuthenticator } from '../lib/webauthn.js';
import { startPasskeyServer } from '../lib/passkeyserver.js';

const b64url = (s) => Buffer.from(s, 'base64url');

test('a Chromium passkey registers and signs in twice; replays are refused', async (t) => {
  const server = await startPasskeyServer(t);
  const context = await launch(t);
  const page = await newPage(t, context);
  await page.goto(`${server.url}/passkey/`);
  const authenticator = await addVirtualAuthenticator(page);

  // Registration.
  const reg = await page.evaluate(() => window.passkey.register('alice'));
  await screenshot(page, 'registered');
  const { stored, sent, options } = reg;
  assert.equal(options.rp.id, 'localhost');
  assert.deepEqual(options.pubKeyCredParams, [{ alg: -7, type: 'public-key' }, { alg: -257, type: 'public-key' }]);
  assert.equal(b64url(options.challenge).length, 16);
  assert.equal(sent.type, 'public-key');
  assert.equal(sent.id, stored.credentialId, 'the stored CredentialId is the browser credential id');
  assert.equal(stored.relyingPartyId, 'localhost');
  assert.equal(stored.algorithm, -7, 'Chromium picked ES256, the first offered');
  assert.equal(stored.attestationFormat, 'none', 'no attestation was requested');
  assert.equal(stored.authenticatorAttachment, 'platform');
  assert.equal(stored.friendlyCredentialName, 'Platform passkey');
  assert.deepEqual(stored.authenticatorTransports, ['internal']);
  assert.equal(stored.userVerified, true);

  // The members Chromium sends are the ones the Go software authenticator
  // (internal/passkey/passkeytest) sends, so Go tests see browser shapes.
  assert.deepEqual(Object.keys(sent).sort(), ['authenticatorAttachment', 'clientExtensionResults', 'id', 'rawId', 'response', 'type']);
  assert.deepEqual(Object.keys(sent.response).sort(),
    ['attestationObject', 'authenticatorData', 'clientDataJSON', 'publicKey', 'publicKeyAlgorithm', 'transports']);
  const clientData = JSON.parse(b64url(sent.response.clientDataJSON).toString());
  assert.deepEqual(Object.keys(clientData).slice(0, 4), ['type', 'challenge', 'origin', 'crossOrigin'], 'passkeytest.ClientData order');
  assert.equal(clientData.origin, server.url);

  const held = await authenticator.credentials();
  assert.equal(held.length, 1);
  assert.equal(held[0].rpId, 'localhost');
  assert.equal(held[0].isResidentCredential, true, 'a passkey (discoverable) was made');
  assert.equal(b64url(held[0].credentialId).toString('base64url'), stored.credentialId);
  assert.equal(b64url(held[0].userHandle).toString('base64url'), options.user.id, 'user handle = user.id = base64url(sub)');
  assert.equal(stored.signCount, held[0].signCount, 'registration counter as the authenticator has it');

  // Two sign-ins: the counter Chromium signs must rise, and the package
  // must accept each and store it.
  let counter = stored.signCount;
  let last;
  for (const n of [1, 2]) {
    last = await page.evaluate(() => window.passkey.signIn('alice'));
    await screenshot(page, `signed-in-${n}`);
    const assertion = JSON.parse(last.sent);
    assert.equal(assertion.id, stored.credentialId);
    assert.equal(b64url(assertion.response.userHandle).toString('base64url'), options.user.id);
    assert.equal(last.result.userVerified, true);
    assert.ok(last.result.signCount > counter, `sign-in ${n}: counter ${last.result.signCount} after ${counter}`);
    const [now] = await authenticator.credentials();
    assert.equal(now.signCount, last.result.signCount, 'the package read the counter the authenticator signed');
    counter = last.result.signCount;
  }
  const list = await (await fetch(`${server.url}/api/credentials?username=alice`)).json();
  assert.equal(list.credentials.length, 1);
  assert.equal(list.credentials[0].signCount, counter, 'the stored counter advanced');

  // Replays: the same answer on its spent session, then into a fresh one.
  await assert.rejects(
    page.evaluate(([s, c]) => window.passkey.finish('alice', s, c), [last.session, last.sent]),
    /NotAuthorized/,
  );
  await screenshot(page, 'replay-refused');
  const fresh = await (await fetch(`${server.url}/api/login/begin`, { method: 'POST', body: JSON.stringify({ username: 'alice' }) })).json();
  await assert.rejects(
    page.evaluate(([s, c]) => window.passkey.finish('alice', s, c), [fresh.session, last.sent]),
    /NotAuthorized/,
  );
});

test('user verification required: the package refuses an assertion without UV', async (t) => {
  const server = await startPasskeyServer(t, ['-uv', 'required']);
  const context = await launch(t);
  const page = await newPage(t, context);
  await page.goto(`${server.url}/passkey/`);
  const authenticator = await addVirtualAuthenticator(page);
  const reg = await page.evaluate(() => window.passkey.register('bob'));
  assert.equal(reg.options.authenticatorSelection.userVerification, 'required');
  assert.equal(reg.stored.userVerified, true);

  // The user cannot be verified and the page asks the authenticator for no
  // verification: Chromium signs with the UV flag clear, and the package,
  // which asked for "required", must refuse it (not the browser).
  await authenticator.setUserVerified(false);
  await assert.rejects(
    page.evaluate(() => window.passkey.signIn('bob', { userVerification: 'discouraged' })),
    /NotAuthorized/,
  );
  assert.match(server.stderr.join(''), /user verification required but not performed/, 'refused by the package for user verification');
  await screenshot(page, 'uv-refused-by-package');
  const [held] = await authenticator.credentials();

  await authenticator.setUserVerified(true);
  const ok = await page.evaluate(() => window.passkey.signIn('bob'));
  assert.equal(ok.result.userVerified, true);
  assert.ok(ok.result.signCount > held.signCount - 1);
});

// The hosted login pages in headless Chromium, with openid-client v6 (panva)
// as the relying party: discovery of the pool's issuer over the TLS
// listener, an authorization request with PKCE (S256), a nonce and a
// state, the user signing in on the classic login page (and the MFA steps:
// setup with an authenticator app, TOTP codes, email codes), the code
// exchange with openid-client's checks (issuer, audience, nonce, at_hash),
// userInfo, refresh, and logout. Every page is screenshotted.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { AdminCreateUserCommand, AdminSetUserMFAPreferenceCommand } from '@aws-sdk/client-cognito-identity-provider';
import { launch, newPage, screenshot } from '../lib/browser.js';
import { admin, hostedPool, webClient, addUser, requireMFA, lastCode, trustLocalCA, appOrigin, totp, PASSWORD } from '../lib/oauth.js';

// relyingParty sets up a pool (extra CreateUserPool members in pool), its
// domain, a public client whose callback is on the app origin, and
// openid-client's configuration from discovery.
async function relyingParty(t, pool = {}) {
  const { origin } = await appOrigin(t);
  const hosted = await hostedPool(pool);
  const callback = `${origin}/callback`;
  const logout = `${origin}/signed-out`;
  const client = await webClient(hosted.userPoolId, { callback, logout });
  const config = await oidc.discovery(new URL(hosted.issuer), client.ClientId, undefined, oidc.None());
  return { ...hosted, origin, callback, logout, clientId: client.ClientId, config };
}

// authorize builds an authorization URL with PKCE, nonce and state.
async function authorize(rp) {
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.callback,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
  });
  return { url, check: { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state } };
}

// signIn fills the classic login form.
async function signIn(page, username, password = PASSWORD) {
  await page.fill('#signInFormUsername', username);
  await page.fill('#signInFormPassword', password);
  await Promise.all([page.waitForLoadState('load'), page.click('button[name=signInSubmitButton]')]);
}

// exchange redeems the code of the page's callback URL with openid-client.
async function exchange(rp, page, check) {
  await page.waitForURL((u) => u.href.startsWith(rp.callback));
  return oidc.authorizationCodeGrant(rp.config, new URL(page.url()), check);
}

test('openid-client: code + PKCE through the login page, userInfo, refresh, logout', async (t) => {
  const rp = await relyingParty(t);
  await addUser(rp.userPoolId, 'olivia', { email: 'olivia@example.com', email_verified: 'true', name: 'Olivia Example' });
  const context = await launch(t, await trustLocalCA());
  const page = await newPage(t, context);

  const { url, check } = await authorize(rp);
  await page.goto(url.href);
  assert.match(page.url(), new RegExp(`/_domain/${rp.domain}/login\\?`));
  assert.equal(await page.title(), 'Sign in');
  await screenshot(page, 'login');

  await signIn(page, 'olivia', 'not-the-password');
  assert.equal((await page.textContent('.errorMessage-customizable'))?.trim(), 'Incorrect username or password.');
  await screenshot(page, 'login-wrong-password');

  await signIn(page, 'olivia');
  const tokens = await exchange(rp, page, check);
  const claims = tokens.claims();
  assert.equal(claims.iss, rp.issuer);
  assert.equal(claims.aud, rp.clientId);
  assert.equal(claims.email, 'olivia@example.com');
  assert.equal(claims.name, 'Olivia Example');
  assert.equal(claims['cognito:username'], 'olivia');
  assert.ok(claims.at_hash, 'the code flow ID token carries at_hash (checked by openid-client)');
  assert.ok(tokens.refresh_token);
  await screenshot(page, 'back-at-the-app');

  const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, claims.sub);
  assert.equal(info.email, 'olivia@example.com');
  assert.equal(info.username, 'olivia');

  const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token);
  assert.equal(refreshed.claims().sub, claims.sub);
  assert.notEqual(refreshed.access_token, tokens.access_token);

  // The session cookie signs the user in again without the page ...
  const again = await authorize(rp);
  await page.goto(again.url.href);
  await exchange(rp, page, again.check);

  // ... until logout, which returns to the registered logout URL.
  const logout = new URL(`${rp.domainBase}/logout`);
  logout.searchParams.set('client_id', rp.clientId);
  logout.searchParams.set('logout_uri', rp.logout);
  await page.goto(logout.href);
  assert.equal(page.url(), rp.logout);
  const third = await authorize(rp);
  await page.goto(third.url.href);
  assert.match(page.url(), /\/login\?/);
});

test('openid-client: MFA setup with an authenticator app, then TOTP sign-in', async (t) => {
  const rp = await relyingParty(t);
  await requireMFA(rp.userPoolId, { email: false });
  await addUser(rp.userPoolId, 'theo', { email: 'theo@example.com' });
  const context = await launch(t, await trustLocalCA());
  const page = await newPage(t, context);

  const { url, check } = await authorize(rp);
  await page.goto(url.href);
  await signIn(page, 'theo');
  // The pool offers only authenticator apps: the setup page comes at once,
  // with its QR code.
  assert.equal(await page.isVisible('img.qr'), true, 'the QR code is shown');
  const qr = await page.getAttribute('img.qr', 'src');
  assert.match(qr, /^data:image\/svg\+xml;base64,/);
  await page.click('summary');
  await screenshot(page, 'totp-setup');
  const secret = (await page.textContent('#totp-secret')).replace(/\s+/g, '');
  await page.fill('#totpCode', '000000');
  await Promise.all([page.waitForLoadState('load'), page.click('button[name=verify]')]);
  assert.ok((await page.textContent('.errorMessage-customizable'))?.trim(), 'a wrong code is refused on the page');
  await screenshot(page, 'totp-setup-wrong-code');
  await page.fill('#totpCode', totp(secret));
  await page.fill('#deviceName', 'Chromium');
  await Promise.all([page.waitForURL((u) => u.href.startsWith(rp.callback)), page.click('button[name=verify]')]);
  const tokens = await oidc.authorizationCodeGrant(rp.config, new URL(page.url()), check);
  assert.equal(tokens.claims()['cognito:username'], 'theo');

  // A new browser: password, then the TOTP code page.
  const context2 = await launch(t, await trustLocalCA());
  const page2 = await newPage(t, context2);
  const second = await authorize(rp);
  await page2.goto(second.url.href);
  await signIn(page2, 'theo');
  assert.equal(await page2.isVisible('#mfaCode'), true);
  await screenshot(page2, 'totp-code');
  await page2.fill('#mfaCode', totp(secret, 1));
  await Promise.all([page2.waitForURL((u) => u.href.startsWith(rp.callback)), page2.click('button[name=verify]')]);
  const tokens2 = await oidc.authorizationCodeGrant(rp.config, new URL(page2.url()), second.check);
  assert.equal(tokens2.claims()['cognito:username'], 'theo');
});

test('openid-client: MFA by email code, and the MFA setup choice', async (t) => {
  const rp = await relyingParty(t);
  await requireMFA(rp.userPoolId);
  await addUser(rp.userPoolId, 'eva', { email: 'eva@example.com', email_verified: 'true' });
  await admin().send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: rp.userPoolId, Username: 'eva', EmailMfaSettings: { Enabled: true, PreferredMfa: true } }));
  await addUser(rp.userPoolId, 'max', { email: 'max@example.com', email_verified: 'true' });
  const context = await launch(t, await trustLocalCA());

  // eva: the email code page.
  const page = await newPage(t, context);
  const { url, check } = await authorize(rp);
  await page.goto(url.href);
  await signIn(page, 'eva');
  assert.match(await page.textContent('main'), /We sent a code by email to e\*\*\*@e\*\*\*/);
  await screenshot(page, 'email-code');
  await page.fill('#mfaCode', await lastCode(rp.userPoolId, 'eva'));
  await Promise.all([page.waitForURL((u) => u.href.startsWith(rp.callback)), page.click('button[name=verify]')]);
  assert.equal((await oidc.authorizationCodeGrant(rp.config, new URL(page.url()), check)).claims().email, 'eva@example.com');

  // max: no factor yet, two possible: the choice, then email setup.
  const context2 = await launch(t, await trustLocalCA());
  const page2 = await newPage(t, context2);
  const second = await authorize(rp);
  await page2.goto(second.url.href);
  await signIn(page2, 'max');
  assert.equal(await page2.isVisible('input[value=SOFTWARE_TOKEN_MFA]'), true);
  await screenshot(page2, 'mfa-setup-choice');
  await page2.check('input[value=EMAIL_OTP]');
  await Promise.all([page2.waitForLoadState('load'), page2.click('button[type=submit]')]);
  await screenshot(page2, 'mfa-setup-email');
  await page2.fill('input[name=email]', 'max@example.com');
  await Promise.all([page2.waitForLoadState('load'), page2.click('button[type=submit]')]);
  await page2.fill('#mfaCode', await lastCode(rp.userPoolId, 'max'));
  await Promise.all([page2.waitForURL((u) => u.href.startsWith(rp.callback)), page2.click('button[name=verify]')]);
  assert.equal((await oidc.authorizationCodeGrant(rp.config, new URL(page2.url()), second.check)).claims()['cognito:username'], 'max');
});

test('the other pages: sign-up, confirmation, password reset, new password, errors, signed out', async (t) => {
  const rp = await relyingParty(t, { AutoVerifiedAttributes: ['email'], Schema: [{ Name: 'email', AttributeDataType: 'String', Required: true, Mutable: true }] });
  const context = await launch(t, await trustLocalCA());
  const page = await newPage(t, context);
  const { url, check } = await authorize(rp);
  await page.goto(url.href);

  await Promise.all([page.waitForLoadState('load'), page.click('a[href*="/signup?"]')]);
  assert.equal(await page.title(), 'Sign up');
  await page.fill('input[name=username]', 'sara');
  await page.fill('input[name="requiredAttributes[email]"]', 'sara@example.com');
  await page.fill('input[name=password]', 'weak');
  await screenshot(page, 'signup');
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  assert.ok((await page.textContent('.errorMessage-customizable'))?.includes('Password'), 'the password policy is enforced');
  await screenshot(page, 'signup-weak-password');
  await page.fill('input[name=password]', 'Sara-Passw0rd!');
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  await screenshot(page, 'confirm');
  await page.fill('input[name=confirmation_code]', await lastCode(rp.userPoolId, 'sara'));
  await Promise.all([page.waitForLoadState('load'), page.click('button[name=confirm]')]);
  assert.match(await page.textContent('main'), /Your account is confirmed/);
  await signIn(page, 'sara', 'Sara-Passw0rd!');
  await exchange(rp, page, check);

  // Password reset, from the login page's link, in a new browser.
  const context2 = await launch(t, await trustLocalCA());
  const page2 = await newPage(t, context2);
  const second = await authorize(rp);
  await page2.goto(second.url.href);
  await Promise.all([page2.waitForLoadState('load'), page2.click('a[href*="/forgotPassword?"]')]);
  await screenshot(page2, 'forgot-password');
  await page2.fill('input[name=username]', 'sara');
  await Promise.all([page2.waitForLoadState('load'), page2.click('button[type=submit]')]);
  await screenshot(page2, 'reset-password');
  await page2.fill('input[name=code]', await lastCode(rp.userPoolId, 'sara', 1));
  await page2.fill('input[name=password]', 'Sara-N3w-Passw0rd!');
  await page2.fill('input[name=confirmPassword]', 'Sara-N3w-Passw0rd!');
  await Promise.all([page2.waitForLoadState('load'), page2.click('button[type=submit]')]);
  assert.match(await page2.textContent('main'), /Your password has been changed/);
  await signIn(page2, 'sara', 'Sara-N3w-Passw0rd!');
  await exchange(rp, page2, second.check);

  // NEW_PASSWORD_REQUIRED for an administrator-created user.
  await admin().send(new AdminCreateUserCommand({ UserPoolId: rp.userPoolId, Username: 'nico', TemporaryPassword: 'Temp-Passw0rd!1', MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: 'nico@example.com' }] }));
  const context3 = await launch(t, await trustLocalCA());
  const page3 = await newPage(t, context3);
  const third = await authorize(rp);
  await page3.goto(third.url.href);
  await signIn(page3, 'nico', 'Temp-Passw0rd!1');
  assert.equal(await page3.title(), 'Change your password');
  await screenshot(page3, 'new-password');
  await page3.fill('input[name=password]', 'Nico-N3w-Passw0rd!');
  await page3.fill('input[name=confirmPassword]', 'Nico-N3w-Passw0rd!');
  await Promise.all([page3.waitForURL((u) => u.href.startsWith(rp.callback)), page3.click('button[type=submit]')]);
  await oidc.authorizationCodeGrant(rp.config, new URL(page3.url()), third.check);

  // An unregistered redirect URI: an error page, never a redirect.
  const bad = new URL(third.url);
  bad.searchParams.set('redirect_uri', 'https://evil.example.com/cb');
  const res = await page3.goto(bad.href);
  assert.equal(res.status(), 400);
  assert.match(page3.url(), /\/oauth2\/authorize\?/);
  await screenshot(page3, 'error-redirect-mismatch');

  await page3.goto(`${rp.domainBase}/logout`);
  assert.equal(await page3.title(), 'Signed out');
  await screenshot(page3, 'signed-out');
});

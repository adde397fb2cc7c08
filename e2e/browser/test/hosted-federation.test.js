// Federation in headless Chromium, with openid-client v6 as the app: the
// login page's provider buttons → the upstream identity provider's page →
// back through /oauth2/idpresponse (OIDC) or /saml2/idpresponse (SAML,
// a cross-site POST) → the app's code → tokens whose ID token carries
// identities. The upstream is userpoold's built-in test IdP (run.sh starts
// the server with --test-idp), served on the TLS listener under /_idp/
// (the server trusts its local CA when it calls it). Every page is
// screenshotted.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { CreateIdentityProviderCommand, AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { launch, newPage, screenshot } from '../lib/browser.js';
import { admin, hostedPool, webClient, addUser, trustLocalCA, appOrigin } from '../lib/oauth.js';
import { env } from '../lib/env.js';

// federatedApp sets up a pool, its domain, an OIDC provider (Corp) and a
// SAML provider (Okta) of the built-in test IdP, and a public client that
// accepts them and the pool's own users.
async function federatedApp(t) {
  const { origin } = await appOrigin(t);
  const hosted = await hostedPool();
  const c = admin();
  await c.send(new CreateIdentityProviderCommand({
    UserPoolId: hosted.userPoolId, ProviderName: 'Corp', ProviderType: 'OIDC',
    ProviderDetails: { client_id: 'corp-app', client_secret: 'corp-secret', authorize_scopes: 'openid email profile',
      attributes_request_method: 'GET', oidc_issuer: `${env.tlsEndpoint}/_idp/corp` },
    AttributeMapping: { email: 'email', email_verified: 'email_verified', name: 'name' },
  }));
  await c.send(new CreateIdentityProviderCommand({
    UserPoolId: hosted.userPoolId, ProviderName: 'Okta', ProviderType: 'SAML',
    ProviderDetails: { MetadataURL: `${env.tlsEndpoint}/_idp/okta/saml/metadata` },
    AttributeMapping: { email: 'email', name: 'name' },
  }));
  // Google: a social type, with AWS's fixed endpoints in its details; run.sh
  // sends it to the test IdP (--social-endpoints Google=/_idp/google).
  await c.send(new CreateIdentityProviderCommand({
    UserPoolId: hosted.userPoolId, ProviderName: 'Google', ProviderType: 'Google',
    ProviderDetails: { client_id: 'google-app.apps.googleusercontent.com', client_secret: 'google-secret', authorize_scopes: 'openid email profile' },
    AttributeMapping: { email: 'email', name: 'name' },
  }));
  const callback = `${origin}/callback`;
  const client = await webClient(hosted.userPoolId, { callback, logout: `${origin}/signed-out`, SupportedIdentityProviders: ['COGNITO', 'Corp', 'Okta', 'Google'] });
  const config = await oidc.discovery(new URL(hosted.issuer), client.ClientId, undefined, oidc.None());
  return { ...hosted, callback, clientId: client.ClientId, config };
}

async function authorize(app) {
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(app.config, {
    redirect_uri: app.callback, scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce, state,
  });
  return { url, check: { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state } };
}

// pickOther signs in on the test IdP's page as subject with claims.
async function pickOther(page, subject, claims) {
  await page.fill('#subject', subject);
  await page.fill('#claims', JSON.stringify(claims));
  await Promise.all([page.waitForLoadState('load'), page.click('#submit-other')]);
}

function identitiesOf(claims) {
  assert.ok(Array.isArray(claims.identities), `identities claim: ${JSON.stringify(claims.identities)}`);
  assert.equal(claims.identities.length, 1);
  return claims.identities[0];
}

test('federation: the login page button of an OIDC provider → the IdP → tokens with identities', async (t) => {
  const app = await federatedApp(t);
  const context = await launch(t, await trustLocalCA());
  const page = await newPage(t, context);
  const { url, check } = await authorize(app);
  await page.goto(url.href);
  assert.match(page.url(), /\/login\?/);
  assert.equal(await page.locator('a.idpButton-customizable').count(), 3);
  await screenshot(page, 'federation-login-buttons');

  await Promise.all([page.waitForLoadState('load'), page.click('a.idpButton-customizable:has-text("Corp")')]);
  assert.ok(page.url().startsWith(`${env.tlsEndpoint}/_idp/corp/authorize?`), page.url());
  await screenshot(page, 'federation-oidc-idp-page');
  await pickOther(page, 'ada', { email: 'ada@corp.example', email_verified: true, name: 'Ada Lovelace' });
  await page.waitForURL((u) => u.href.startsWith(app.callback));
  await screenshot(page, 'federation-oidc-back-at-the-app');
  const tokens = await oidc.authorizationCodeGrant(app.config, new URL(page.url()), check);
  const claims = tokens.claims();
  assert.equal(claims['cognito:username'], 'Corp_ada');
  assert.equal(claims.email, 'ada@corp.example');
  assert.equal(claims.name, 'Ada Lovelace');
  assert.deepEqual(claims['cognito:groups'], [`${app.userPoolId}_Corp`]);
  const id = identitiesOf(claims);
  assert.equal(id.userId, 'ada');
  assert.equal(id.providerName, 'Corp');
  assert.equal(id.providerType, 'OIDC');
  assert.equal(id.primary, 'true');
  const { UserStatus } = await admin().send(new AdminGetUserCommand({ UserPoolId: app.userPoolId, Username: 'Corp_ada' }));
  assert.equal(UserStatus, 'EXTERNAL_PROVIDER');
});

test('federation: a SAML provider (SP-initiated, the answer a cross-site POST) → tokens with identities', async (t) => {
  const app = await federatedApp(t);
  await addUser(app.userPoolId, 'native', { email: 'native@example.com' });
  const context = await launch(t, await trustLocalCA());
  const page = await newPage(t, context);
  const { url, check } = await authorize(app);
  await page.goto(url.href);
  await Promise.all([page.waitForLoadState('load'), page.click('a.idpButton-customizable:has-text("Okta")')]);
  assert.ok(page.url().startsWith(`${env.tlsEndpoint}/_idp/okta/saml/sso?`), page.url());
  await screenshot(page, 'federation-saml-idp-page');
  await pickOther(page, 'grace@okta.example', { email: 'grace@okta.example', name: 'Grace Hopper' });
  await page.waitForURL((u) => u.href.startsWith(app.callback));
  await screenshot(page, 'federation-saml-back-at-the-app');
  const tokens = await oidc.authorizationCodeGrant(app.config, new URL(page.url()), check);
  const claims = tokens.claims();
  assert.equal(claims['cognito:username'], 'Okta_grace@okta.example');
  assert.equal(claims.email, 'grace@okta.example');
  const id = identitiesOf(claims);
  assert.equal(id.providerType, 'SAML');
  assert.equal(id.issuer, `${env.tlsEndpoint}/_idp/okta/saml`);
});

test('federation: a social provider (Google, its endpoints sent to the test IdP) → tokens with identities', async (t) => {
  const app = await federatedApp(t);
  const context = await launch(t, await trustLocalCA());
  const page = await newPage(t, context);
  const { url, check } = await authorize(app);
  await page.goto(url.href);
  await Promise.all([page.waitForLoadState('load'), page.click('a.idpButton-customizable:has-text("Google")')]);
  assert.ok(page.url().startsWith(`${env.tlsEndpoint}/_idp/google/authorize?`), page.url());
  await screenshot(page, 'federation-google-idp-page');
  await pickOther(page, '109354484677663308178', { email: 'gina@gmail.example', email_verified: true, name: 'Gina' });
  await page.waitForURL((u) => u.href.startsWith(app.callback));
  await screenshot(page, 'federation-google-back-at-the-app');
  const tokens = await oidc.authorizationCodeGrant(app.config, new URL(page.url()), check);
  const claims = tokens.claims();
  assert.equal(claims['cognito:username'], 'Google_109354484677663308178');
  assert.equal(claims.email, 'gina@gmail.example');
  assert.deepEqual(claims['cognito:groups'], [`${app.userPoolId}_Google`]);
  const id = identitiesOf(claims);
  assert.equal(id.providerName, 'Google');
  assert.equal(id.providerType, 'Google');
});

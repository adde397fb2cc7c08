// Amplify v6 signInWithRedirect in headless Chromium against the TLS
// listener: Amplify builds https://<domain>/oauth2/authorize itself, so the
// domain is the path form under the TLS listener ("127.0.0.1:PORT/_domain/
// <prefix>"), whose certificate Chromium accepts through the local CA's key
// (and nothing else is switched off). The user signs in on the hosted pages
// (with and without MFA), Amplify exchanges the code from the page
// (CORS), and fetchAuthSession() then holds the tokens; signOut goes
// through /logout and back.
import test from 'node:test';
import assert from 'node:assert/strict';
import { AdminSetUserMFAPreferenceCommand, CreateIdentityProviderCommand } from '@aws-sdk/client-cognito-identity-provider';
import { launch, newPage, screenshot } from '../lib/browser.js';
import { admin, hostedPool, webClient, addUser, requireMFA, lastCode, trustLocalCA, appOrigin, PASSWORD } from '../lib/oauth.js';
import { env } from '../lib/env.js';

// amplifyApp sets up a pool, its domain and a client whose callback and
// logout URL are the app page, opens the page in Chromium and configures
// Amplify there.
async function amplifyApp(t, { mfa = false, providers = [] } = {}) {
  const { origin } = await appOrigin(t);
  const hosted = await hostedPool();
  if (mfa) await requireMFA(hosted.userPoolId);
  const app = `${origin}/hosted-amplify/`;
  for (const p of providers) {
    await admin().send(new CreateIdentityProviderCommand({ UserPoolId: hosted.userPoolId, ...p }));
  }
  const client = await webClient(hosted.userPoolId, { callback: app, logout: app,
    SupportedIdentityProviders: ['COGNITO', ...providers.map((p) => p.ProviderName)] });
  const context = await launch(t, await trustLocalCA());
  const page = await newPage(t, context);
  await page.goto(app);
  await page.evaluate((config) => window.app.configure(config), {
    Auth: {
      Cognito: {
        userPoolId: hosted.userPoolId,
        userPoolClientId: client.ClientId,
        userPoolEndpoint: env.endpoint,
        loginWith: {
          oauth: {
            // Amplify prefixes https:// and appends /oauth2/authorize.
            domain: `${new URL(env.tlsEndpoint).host}/_domain/${hosted.domain}`,
            scopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
            redirectSignIn: [app],
            redirectSignOut: [app],
            responseType: 'code',
          },
        },
      },
    },
  });
  return { ...hosted, app, page, clientId: client.ClientId };
}

// redirectToLogin starts signInWithRedirect and waits for the login page.
async function redirectToLogin(a) {
  await Promise.all([a.page.waitForURL((u) => u.pathname.endsWith('/login')), a.page.evaluate(() => window.app.signIn())]);
  assert.equal(new URL(a.page.url()).origin, env.tlsEndpoint, 'Amplify went to the domain over https');
}

async function submitPassword(page, username) {
  await page.fill('#signInFormUsername', username);
  await page.fill('#signInFormPassword', PASSWORD);
  await Promise.all([page.waitForLoadState('load'), page.click('button[name=signInSubmitButton]')]);
}

// signedIn waits until Amplify has finished the redirect sign-in on the
// app page, and returns fetchAuthSession()'s tokens.
async function signedIn(a) {
  await a.page.waitForURL((u) => u.href.startsWith(a.app));
  await a.page.waitForFunction(() => window.app?.events.some((e) => e.event === 'signInWithRedirect' || e.event === 'signInWithRedirect_failure'), null, { timeout: 20000 });
  const events = await a.page.evaluate(() => window.app.events);
  assert.ok(events.some((e) => e.event === 'signInWithRedirect'), `Amplify's Hub events: ${JSON.stringify(events)}`);
  const session = await a.page.evaluate(() => window.app.session());
  assert.ok(session, 'fetchAuthSession() holds tokens');
  return session;
}

test('Amplify v6 signInWithRedirect: hosted login over TLS, fetchAuthSession, signOut', async (t) => {
  const a = await amplifyApp(t);
  await addUser(a.userPoolId, 'amy', { email: 'amy@example.com', email_verified: 'true' });
  await screenshot(a.page, 'amplify-app');
  await redirectToLogin(a);
  const authorize = new URL(a.page.url());
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(authorize.searchParams.get('identity_provider'), 'COGNITO');
  await screenshot(a.page, 'amplify-login');
  await submitPassword(a.page, 'amy');

  const session = await signedIn(a);
  assert.equal(session.access.username, 'amy');
  assert.equal(session.access.client_id, a.clientId);
  assert.equal(session.access.scope, 'openid email profile aws.cognito.signin.user.admin');
  assert.equal(session.id.email, 'amy@example.com');
  assert.equal(session.id.iss, `${env.tlsEndpoint}/${a.userPoolId}`);
  assert.equal((await a.page.evaluate(() => window.app.user())).username, 'amy');
  await screenshot(a.page, 'amplify-signed-in');

  // signOut goes to the domain's /logout and comes back to the app,
  // without tokens; the next sign-in asks for the password again.
  const logouts = [];
  a.page.on('request', (r) => r.url().includes('/logout?') && logouts.push(r.url()));
  await Promise.all([
    a.page.waitForNavigation({ url: (u) => u.href.startsWith(a.app) }),
    a.page.evaluate(() => window.app.signOut()).catch(() => {}), // the page navigates away meanwhile
  ]);
  assert.equal(logouts.length, 1, 'signOut went through the domain\'s /logout');
  const logout = new URL(logouts[0]);
  assert.equal(logout.searchParams.get('client_id'), a.clientId);
  assert.equal(logout.searchParams.get('logout_uri'), a.app);
  await a.page.waitForFunction(() => window.app !== undefined);
  assert.equal(await a.page.evaluate(() => window.app.session()), null);
  await redirectToLogin(a);
});

test('Amplify v6 signInWithRedirect with MFA: the email code page', async (t) => {
  const a = await amplifyApp(t, { mfa: true });
  await addUser(a.userPoolId, 'mike', { email: 'mike@example.com', email_verified: 'true' });
  await admin().send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: a.userPoolId, Username: 'mike', EmailMfaSettings: { Enabled: true, PreferredMfa: true } }));
  await redirectToLogin(a);
  await submitPassword(a.page, 'mike');
  assert.equal(await a.page.isVisible('#mfaCode'), true, 'the email code page');
  await screenshot(a.page, 'amplify-mfa-email-code');
  await a.page.fill('#mfaCode', await lastCode(a.userPoolId, 'mike'));
  await a.page.click('button[name=verify]');
  const session = await signedIn(a);
  assert.equal(session.access.username, 'mike');
  assert.ok(session.idToken);
});

test('Amplify v6 signInWithRedirect({ provider: { custom } }): an OIDC provider, tokens with identities', async (t) => {
  // The built-in test IdP (run.sh starts the server with --test-idp).
  const a = await amplifyApp(t, { providers: [{
    ProviderName: 'Corp', ProviderType: 'OIDC',
    ProviderDetails: { client_id: 'corp-app', client_secret: 'corp-secret', authorize_scopes: 'openid email profile',
      attributes_request_method: 'GET', oidc_issuer: `${env.tlsEndpoint}/_idp/corp` },
    AttributeMapping: { email: 'email', name: 'name' },
  }] });
  await Promise.all([
    a.page.waitForURL((u) => u.pathname.endsWith('/_idp/corp/authorize')),
    a.page.evaluate(() => window.app.signIn({ provider: { custom: 'Corp' } })),
  ]);
  await screenshot(a.page, 'amplify-federation-idp-page');
  await a.page.fill('#subject', 'kim');
  await a.page.fill('#claims', JSON.stringify({ email: 'kim@corp.example', name: 'Kim' }));
  await Promise.all([a.page.waitForLoadState('load'), a.page.click('#submit-other')]);
  const session = await signedIn(a);
  assert.equal(session.access.username, 'Corp_kim');
  assert.equal(session.id.email, 'kim@corp.example');
  assert.ok(Array.isArray(session.id.identities) && session.id.identities[0].providerName === 'Corp', JSON.stringify(session.id.identities));
  assert.equal(session.id.identities[0].providerType, 'OIDC');
  await screenshot(a.page, 'amplify-federation-signed-in');
});

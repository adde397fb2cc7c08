// The hosted login pages wearing a pool's branding, in headless Chromium:
// classic UI customization (SetUICustomization: CSS for the customizable
// classes and a logo) on a ManagedLoginVersion 1 domain, and a managed
// login branding style (CreateManagedLoginBranding: colours from its
// Settings, a FORM_LOGO asset) with terms documents (CreateTerms) on a
// version 2 domain. The browser's computed styles prove the branding
// applies; a user still signs in through the branded page; every page is
// screenshotted.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  SetUICustomizationCommand,
  UpdateUserPoolDomainCommand,
  CreateManagedLoginBrandingCommand,
  CreateTermsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { launch, newPage, screenshot } from '../lib/browser.js';
import { admin, hostedPool, webClient, addUser, trustLocalCA, appOrigin, PASSWORD } from '../lib/oauth.js';

// The logos: an SVG wordmark for each look.
const svgLogo = (fill, text) =>
  new TextEncoder().encode(
    `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" viewBox="0 0 200 40"><rect width="40" height="40" rx="8" fill="${fill}"/>` +
      `<path d="M12 28l8-16 8 16z" fill="#fff"/><text x="52" y="27" font-family="system-ui,sans-serif" font-size="18" font-weight="700" fill="${fill}">${text}</text></svg>`,
  );

// authorizeURL is a code + PKCE authorization request of the client on a
// domain base.
function authorizeURL(domainBase, clientId, callback) {
  const u = new URL(`${domainBase}/oauth2/authorize`);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', clientId);
  u.searchParams.set('redirect_uri', callback);
  u.searchParams.set('scope', 'openid email');
  u.searchParams.set('state', 'branded');
  u.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  u.searchParams.set('code_challenge_method', 'S256');
  return u.href;
}

const computed = (page, selector, property) => page.$eval(selector, (el, p) => getComputedStyle(el)[p], property);

test('classic UI customization: CSS and logo on the login page of a version 1 domain', async (t) => {
  const { origin } = await appOrigin(t);
  const hosted = await hostedPool();
  const callback = `${origin}/callback`;
  const client = await webClient(hosted.userPoolId, { callback, logout: `${origin}/signed-out` });
  await addUser(hosted.userPoolId, 'bianca', { email: 'bianca@example.com' });
  await admin().send(
    new SetUICustomizationCommand({
      UserPoolId: hosted.userPoolId,
      ClientId: 'ALL',
      CSS: [
        '.background-customizable{background-color:#fff7ed}',
        '.banner-customizable{background-color:#ffedd5;padding:20px 32px}',
        '.submitButton-customizable{background-color:#c2410c;font-weight:700}',
        '.submitButton-customizable:hover{background-color:#9a3412}',
        '.label-customizable{color:#7c2d12}',
      ].join('\n'),
      ImageFile: svgLogo('#c2410c', 'Orange Co'),
    }),
  );

  const context = await launch(t, await trustLocalCA());
  const page = await newPage(t, context);
  await page.goto(authorizeURL(hosted.domainBase, client.ClientId, callback));
  assert.equal(await page.title(), 'Sign in');
  assert.equal(await computed(page, 'button[name=signInSubmitButton]', 'backgroundColor'), 'rgb(194, 65, 12)');
  assert.equal(await computed(page, 'label[for=signInFormUsername]', 'color'), 'rgb(124, 45, 18)');
  assert.match(await page.getAttribute('img.logo-customizable', 'src'), /^data:image\/svg\+xml;base64,/);
  assert.ok(await page.$eval('img.logo-customizable', (img) => img.complete && img.naturalWidth > 0), 'the logo is displayed');
  await screenshot(page, 'branded-classic-login');

  await page.fill('#signInFormUsername', 'bianca');
  await page.fill('#signInFormPassword', PASSWORD);
  await Promise.all([page.waitForURL((u) => u.href.startsWith(callback)), page.click('button[name=signInSubmitButton]')]);
  assert.ok(new URL(page.url()).searchParams.get('code'), 'the branded page signs the user in');
});

test('managed login branding and terms: colours, logo and terms links on a version 2 domain', async (t) => {
  const { origin } = await appOrigin(t);
  const hosted = await hostedPool();
  const c = admin();
  await c.send(new UpdateUserPoolDomainCommand({ UserPoolId: hosted.userPoolId, Domain: hosted.domain, ManagedLoginVersion: 2 }));
  const callback = `${origin}/callback`;
  const client = await webClient(hosted.userPoolId, { callback, logout: `${origin}/signed-out` });
  await c.send(
    new CreateManagedLoginBrandingCommand({
      UserPoolId: hosted.userPoolId,
      ClientId: client.ClientId,
      Settings: {
        components: {
          primaryButton: { lightMode: { defaults: { backgroundColor: '0f766eff', textColor: 'ffffffff' } } },
          pageBackground: { lightMode: { color: 'ecfdf5ff' } },
          pageText: { lightMode: { bodyColor: '134e4aff' } },
        },
      },
      Assets: [{ Category: 'FORM_LOGO', ColorMode: 'LIGHT', Extension: 'SVG', Bytes: svgLogo('#0f766e', 'Teal Inc') }],
    }),
  );
  for (const [name, url] of [['terms-of-use', 'https://example.com/terms'], ['privacy-policy', 'https://example.com/privacy']]) {
    await c.send(new CreateTermsCommand({ UserPoolId: hosted.userPoolId, ClientId: client.ClientId, TermsName: name, TermsSource: 'LINK', Enforcement: 'NONE', Links: { 'cognito:default': url } }));
  }

  const context = await launch(t, await trustLocalCA());
  const page = await newPage(t, context);
  await page.goto(authorizeURL(hosted.domainBase, client.ClientId, callback));
  assert.equal(await page.title(), 'Sign in');
  assert.equal(await computed(page, 'button[name=signInSubmitButton]', 'backgroundColor'), 'rgb(15, 118, 110)');
  assert.equal(await computed(page, 'body', 'backgroundColor'), 'rgb(236, 253, 245)');
  assert.equal(await computed(page, 'body', 'color'), 'rgb(19, 78, 74)');
  assert.ok(await page.$eval('img.logo-customizable', (img) => img.complete && img.naturalWidth > 0), 'the logo is displayed');
  await screenshot(page, 'branded-managed-login');

  await Promise.all([page.waitForLoadState('load'), page.click('a[href*="/signup?"]')]);
  assert.equal(await page.title(), 'Sign up');
  const links = await page.$$eval('.legalText-customizable a', (as) => as.map((a) => [a.textContent.trim(), a.href]));
  assert.deepEqual(links, [['Terms of use', 'https://example.com/terms'], ['Privacy policy', 'https://example.com/privacy']]);
  await screenshot(page, 'branded-managed-signup-terms');
});

// Setup and helpers of the hosted-UI tests: admin calls through the AWS SDK
// for JavaScript v3 (SigV4-signed), the development outbox, a user pool
// with a domain and app clients, the local CA Chromium must trust, a small
// web app origin on localhost that serves the bundled pages and the OAuth
// callback, and TOTP codes.
import { createHash, createHmac, randomUUID, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
  CreateUserPoolDomainCommand,
  CreateUserPoolClientCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { env } from './env.js';

export const PASSWORD = 'Passw0rd!e2e';

// admin is an SDK client with the admin key pair and no retries.
export function admin() {
  return new CognitoIdentityProviderClient({ region: env.region, endpoint: env.endpoint, credentials: env.adminCredentials, maxAttempts: 1 });
}

// hostedPool creates a user pool (extra CreateUserPool members in pool),
// its prefix domain, and returns { userPoolId, domain, domainBase, issuer }:
// domainBase is the path form under the TLS listener, issuer the pool's
// issuer (the server's base URL, https with the TLS listener on).
export async function hostedPool(pool = {}) {
  const c = admin();
  const { UserPool } = await c.send(new CreateUserPoolCommand({ PoolName: `e2e-${randomUUID().slice(0, 8)}`, ...pool }));
  const domain = `e2e-${randomUUID().slice(0, 8)}`;
  await c.send(new CreateUserPoolDomainCommand({ UserPoolId: UserPool.Id, Domain: domain }));
  return { userPoolId: UserPool.Id, domain, domainBase: `${env.tlsEndpoint}/_domain/${domain}`, issuer: `${env.tlsEndpoint}/${UserPool.Id}` };
}

// webClient creates a public app client of the hosted pages with the
// callback and logout URLs given (extra members in more).
export async function webClient(userPoolId, { callback, logout, ...more }) {
  const { UserPoolClient } = await admin().send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'web',
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
      CallbackURLs: [callback],
      LogoutURLs: [logout],
      SupportedIdentityProviders: ['COGNITO'],
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'],
      ...more,
    }),
  );
  return UserPoolClient;
}

// addUser creates a confirmed user with PASSWORD and attributes.
export async function addUser(userPoolId, username, attributes = {}) {
  const c = admin();
  await c.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: username,
      MessageAction: 'SUPPRESS',
      UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
  await c.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: username, Password: PASSWORD, Permanent: true }));
}

// requireMFA turns MFA on with TOTP and (unless email is false) email
// codes.
export async function requireMFA(userPoolId, { email = true } = {}) {
  await admin().send(
    new SetUserPoolMfaConfigCommand({
      UserPoolId: userPoolId,
      MfaConfiguration: 'ON',
      SoftwareTokenMfaConfiguration: { Enabled: true },
      ...(email ? { EmailMfaConfiguration: { Message: 'Your code is {####}', Subject: 'Your code' } } : {}),
    }),
  );
}

const signer = new SignatureV4({ service: 'cognito-idp', region: env.region, credentials: () => env.adminCredentials, sha256: Sha256 });

// lastCode returns the code of the newest outbox message to username,
// waiting a little for it to arrive.
export async function lastCode(userPoolId, username, after = 0) {
  const url = new URL('/_userpoold/outbox', env.endpoint);
  const query = { userPoolId, username };
  for (let i = 0; i < 50; i++) {
    const signed = await signer.sign({
      method: 'GET', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, query,
      headers: { host: url.host },
    });
    const u = new URL(url);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    const headers = { ...signed.headers };
    delete headers.host;
    const res = await fetch(u, { headers });
    if (!res.ok) throw new Error(`outbox: ${res.status} ${await res.text()}`);
    const messages = (await res.json()).Messages ?? [];
    if (messages.length > after) return messages[messages.length - 1].Code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no outbox message for ${username}`);
}

// trustLocalCA is the Chromium flag that accepts the TLS listener's
// certificates (and only certificates of this CA's chains): the SHA-256 of
// the CA's SubjectPublicKeyInfo, base64. Nothing else is switched off.
export async function trustLocalCA() {
  const cert = new X509Certificate(await readFile(env.caPem));
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return [`--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`];
}

// appOrigin starts a web app origin on http://localhost:PORT for test t:
// it serves the bundled pages (/hosted-amplify/ ...) and answers any other path
// (the OAuth callback, the logout URL) with a small page that shows its
// URL. It returns { origin, close }.
export async function appOrigin(t) {
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname;
    const rel = normalize(path.endsWith('/') ? path + 'index.html' : path);
    const top = rel.split('/')[1];
    if (top && !rel.includes('..') && top === 'hosted-amplify') {
      try {
        const body = await readFile(join(env.pagesDir, rel));
        res.writeHead(200, { 'content-type': types[rel.slice(rel.lastIndexOf('.'))] ?? 'application/octet-stream' });
        res.end(body);
        return;
      } catch {
        // fall through to the landing page
      }
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>app</title><h1>Back at the app</h1><p id="url">${path.replace(/[<>&"]/g, '')}</p>`);
  });
  await new Promise((resolve) => server.listen(0, 'localhost', resolve));
  const origin = `http://localhost:${server.address().port}`;
  t.after(() => {
    server.closeAllConnections(); // the browser's keep-alive connections too
    return new Promise((resolve) => server.close(resolve));
  });
  return { origin };
}

// totp is the code an authenticator app shows for a base32 secret now
// (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps); step shifts it.
export function totp(secret, step = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/\s+/g, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const o = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

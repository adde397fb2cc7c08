// The test clock of a server started with --test-clock:
// GET /_userpoold/clock reads the server's time, POST sets, advances or
// resets it. POST is authorized like an admin operation, so it is signed with
// SigV4 by the signer the AWS SDK for JavaScript v3 uses (over the body).
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { endpoint as defaultEndpoint, region, adminCredentials } from './env.js';

const signer = new SignatureV4({ service: 'cognito-idp', region, credentials: adminCredentials, sha256: Sha256 });

async function call(method, endpoint, body) {
  const url = new URL('/_userpoold/clock', endpoint);
  const headers = { host: url.host };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    headers,
    body,
  });
  const sent = { ...signed.headers };
  delete sent.host; // fetch sets Host itself, to the same value
  const res = await fetch(url, { method, headers: sent, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} /_userpoold/clock → ${res.status}: ${text}`);
  return new Date(JSON.parse(text).now);
}

// serverTime is the server's current time.
export function serverTime({ endpoint = defaultEndpoint } = {}) {
  return call('GET', endpoint);
}

// moveClock changes the server's clock with one of { advance: '1h' },
// { set: '2030-01-02T15:04:05Z' } or { reset: true } and returns the new time.
export function moveClock(change, { endpoint = defaultEndpoint } = {}) {
  return call('POST', endpoint, JSON.stringify(change));
}

// Reading the development outbox: GET /_userpoold/outbox?userPoolId=&username=.
//
// The server authorizes the outbox like an admin operation, so with admin keys
// configured (run.sh configures them) the request is signed with SigV4 by the
// same signer the AWS SDK for JavaScript v3 uses.
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { endpoint as defaultEndpoint, region, adminCredentials } from './env.js';

const signer = new SignatureV4({ service: 'cognito-idp', region, credentials: adminCredentials, sha256: Sha256 });

// listMessages returns every message recorded for the pool, or only those for
// username (the internal username, exactly as the server recorded it), oldest first.
export async function listMessages(userPoolId, username = '', { endpoint = defaultEndpoint } = {}) {
  const url = new URL('/_userpoold/outbox', endpoint);
  const query = { userPoolId };
  if (username) query.username = username;
  const signed = await signer.sign({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query,
    headers: { host: url.host },
  });
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const headers = { ...signed.headers };
  delete headers.host; // fetch sets Host itself, to the same value
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`GET ${url.pathname}${url.search} → ${res.status}: ${text}`);
  }
  return JSON.parse(text).Messages ?? [];
}

// waitForMessage polls the outbox until a message that matches appears and
// returns the newest such message. Match on purpose (SIGN_UP, RESEND_CODE,
// VERIFY_ATTRIBUTE, FORGOT_PASSWORD, INVITATION, MFA), channel (EMAIL, SMS),
// destination, and skip the first `after` matching messages (pass the count
// you saw before the action to wait for a new one).
export async function waitForMessage(userPoolId, username, { purpose, channel, destination, after = 0, timeoutMs = 5000, endpoint } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = [];
  for (;;) {
    last = (await listMessages(userPoolId, username, { endpoint })).filter(
      (m) => (!purpose || m.Purpose === purpose) && (!channel || m.Channel === channel) && (!destination || m.Destination === destination),
    );
    if (last.length > after) return last[last.length - 1];
    if (Date.now() > deadline) {
      const want = JSON.stringify({ username, purpose, channel, destination, after });
      throw new Error(`no outbox message ${want} in pool ${userPoolId} within ${timeoutMs} ms (matching: ${last.length})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// countMessages is the number of matching messages now; pass it as `after`
// to waitForMessage to wait for the next one.
export async function countMessages(userPoolId, username, { purpose, channel, destination, endpoint } = {}) {
  return (await listMessages(userPoolId, username, { endpoint })).filter(
    (m) => (!purpose || m.Purpose === purpose) && (!channel || m.Channel === channel) && (!destination || m.Destination === destination),
  ).length;
}

// waitForCode is waitForMessage(...).Code.
export async function waitForCode(userPoolId, username, opts = {}) {
  const m = await waitForMessage(userPoolId, username, opts);
  if (!m.Code) throw new Error(`outbox message has no code: ${JSON.stringify({ ...m, Body: undefined })}`);
  return m.Code;
}

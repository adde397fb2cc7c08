// Test page for the passkey package: it asks e2e/browser/passkeyserver for
// options (made by internal/passkey), runs navigator.credentials.create()
// and .get() with them, and sends back what the browser's authenticator
// returned, in the JSON forms Amplify sends to Cognito. Tests call
// window.passkey.* through page.evaluate; every step is also written on the
// page so that screenshots show it.
import {
  creationOptionsFromJSON, requestOptionsFromJSON, registrationToJSON, assertionToJSON,
} from '../shared/webauthn-json.js';

const $ = (id) => document.getElementById(id);
$('origin').textContent = location.origin;

function show(title, detail, cls = '') {
  const div = document.createElement('div');
  div.className = `entry ${cls}`;
  div.innerHTML = '<b></b>\n';
  div.firstChild.textContent = title;
  div.append(typeof detail === 'string' ? detail : JSON.stringify(detail, null, 1));
  $('log').prepend(div);
}

function status(text, cls = '') {
  $('status').textContent = text;
  $('status').className = cls;
}

async function api(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = await res.json();
  if (!res.ok) {
    const err = new Error(`${out.kind}: ${out.message}`);
    err.kind = out.kind;
    throw err;
  }
  return out;
}

async function step(name, fn) {
  status(`${name}…`);
  try {
    const out = await fn();
    status(`${name}: done`, 'ok');
    return out;
  } catch (err) {
    status(`${name}: ${err.name === 'Error' ? '' : err.name + ' '}${err.message}`, 'error');
    show(`${name} failed`, String(err.kind || err.name) + ': ' + err.message, 'error');
    throw err;
  }
}

window.passkey = {
  register: (username) => step(`register ${username}`, async () => {
    const { options } = await api('/api/register/begin', { username });
    $('rp').textContent = options.rp.id;
    show('CredentialCreationOptions', options);
    const cred = await navigator.credentials.create({ publicKey: creationOptionsFromJSON(options) });
    const sent = registrationToJSON(cred);
    const stored = await api('/api/register/finish', { username, credential: sent });
    show(`registered: ${stored.friendlyCredentialName}`, stored, 'ok');
    return { stored, sent, options };
  }),

  // signIn runs one sign-in. tamper.userVerification replaces what the
  // options ask of the authenticator, as a broken or hostile client could;
  // the server must still enforce what it asked for.
  signIn: (username, tamper = {}) => step(`sign in ${username}`, async () => {
    const { session, options } = await api('/api/login/begin', { username });
    show('CREDENTIAL_REQUEST_OPTIONS', options);
    const publicKey = requestOptionsFromJSON(JSON.parse(options));
    if (tamper.userVerification) publicKey.userVerification = tamper.userVerification;
    const cred = await navigator.credentials.get({ publicKey });
    const sent = JSON.stringify(assertionToJSON(cred));
    const result = await api('/api/login/finish', { username, session, credential: sent });
    show(`signed in: signCount ${result.signCount}`, result, 'ok');
    return { result, sent, session };
  }),

  // finish sends an already used answer again (replay checks).
  finish: (username, session, credential) => step('replay', () => api('/api/login/finish', { username, session, credential })),

  // cognito calls a cognito-idp operation of userpoold from the page, as a
  // browser app (Amplify) does: cross-origin, with a CORS preflight.
  cognito: (endpoint, operation, input) => step(`cognito-idp ${operation}`, async () => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(input),
    });
    const out = { status: res.status, body: await res.json() };
    show(`${operation} → ${res.status}`, out.body, res.ok ? 'ok' : '');
    return out;
  }),
};

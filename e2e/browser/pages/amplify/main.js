// Amplify v6 in the browser against userpoold: USER_AUTH sign-in with a
// password, associateWebAuthnCredential (StartWebAuthnRegistration →
// navigator.credentials.create → CompleteWebAuthnRegistration),
// listWebAuthnCredentials, deleteWebAuthnCredential and the WEB_AUTHN
// sign-in (navigator.credentials.get inside signIn). The test drives it
// through window.app; each step is logged on the page for the screenshots.
import { Amplify } from 'aws-amplify';
import {
  signIn, signOut, getCurrentUser, associateWebAuthnCredential, listWebAuthnCredentials, deleteWebAuthnCredential,
} from 'aws-amplify/auth';

const log = document.getElementById('log');
const status = document.getElementById('status');
document.getElementById('origin').textContent = location.origin;

function show(title, value, ok = true) {
  const e = document.createElement('div');
  e.className = `entry ${ok ? 'ok' : 'error'}`;
  e.innerHTML = `<b></b>\n`;
  e.querySelector('b').textContent = title;
  e.append(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  log.append(e);
  status.textContent = title;
  status.className = ok ? 'ok' : 'error';
}

// step runs fn and returns { value } or { error: { name, message } }, so
// that failures cross page.evaluate with their exception names.
async function step(title, fn) {
  try {
    const value = await fn();
    show(title, value ?? 'done');
    return { value };
  } catch (err) {
    const error = { name: err?.name, message: err?.message, underlying: err?.underlyingError?.name };
    show(`${title} failed`, error, false);
    return { error };
  }
}

window.app = {
  configure({ userPoolId, clientId, endpoint }) {
    Amplify.configure({ Auth: { Cognito: { userPoolId, userPoolClientId: clientId, userPoolEndpoint: endpoint } } });
    document.getElementById('pool').textContent = userPoolId;
    show('configured', { userPoolId, clientId, endpoint });
  },
  signInWithPassword: (username, password) => step(`signIn ${username} (USER_AUTH, PASSWORD)`,
    () => signIn({ username, password, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'PASSWORD' } })),
  associate: () => step('associateWebAuthnCredential', () => associateWebAuthnCredential()),
  list: () => step('listWebAuthnCredentials', async () => {
    const out = await listWebAuthnCredentials();
    // Dates do not cross page.evaluate as such.
    return { ...out, credentials: out.credentials.map((c) => ({ ...c, createdAt: c.createdAt?.toISOString() })) };
  }),
  remove: (credentialId) => step(`deleteWebAuthnCredential ${credentialId.slice(0, 12)}…`, () => deleteWebAuthnCredential({ credentialId })),
  signInWithPasskey: (username) => step(`signIn ${username} (USER_AUTH, WEB_AUTHN)`,
    () => signIn({ username, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' } })),
  currentUser: () => step('getCurrentUser', () => getCurrentUser()),
  signOut: () => step('signOut', () => signOut()),
};
show('ready', 'window.app is waiting for the test');

// A single-page app signing in with Amplify v6's signInWithRedirect: the
// browser goes to the user pool domain's /oauth2/authorize (https only, as
// Amplify builds the URL), signs in on the hosted pages and comes back here
// with a code, which Amplify exchanges at /oauth2/token from the page. The
// configuration survives the round trip in localStorage; window.app is what
// the test drives.
import { Amplify } from 'aws-amplify';
import { signInWithRedirect, signOut, fetchAuthSession, getCurrentUser } from 'aws-amplify/auth';
import 'aws-amplify/auth/enable-oauth-listener';
import { Hub } from 'aws-amplify/utils';

const KEY = 'userpoold-e2e-amplify-config';
const events = [];
const status = (text) => {
  document.getElementById('status').textContent = text;
};

Hub.listen('auth', ({ payload }) => {
  events.push({ event: payload.event, message: payload.data?.message ?? payload.data?.error?.message });
  status(`auth event: ${payload.event}`);
});

const saved = localStorage.getItem(KEY);
if (saved) Amplify.configure(JSON.parse(saved));
status(saved ? 'configured' : 'not configured');

window.app = {
  events,
  configure(config) {
    localStorage.setItem(KEY, JSON.stringify(config));
    Amplify.configure(config);
    status('configured');
  },
  // input: signInWithRedirect's, e.g. { provider: { custom: 'Corp' } }.
  signIn: (input) => signInWithRedirect(input),
  signOut: () => signOut(),
  async session() {
    const s = await fetchAuthSession();
    const t = s.tokens;
    status(t ? `Signed in as ${t.accessToken.payload.username}: fetchAuthSession() holds an access token (scope: ${t.accessToken.payload.scope}) and an ID token for ${t.idToken?.payload.email}.` : 'Signed out: fetchAuthSession() holds no tokens.');
    return t ? { accessToken: t.accessToken.toString(), idToken: t.idToken?.toString(), access: t.accessToken.payload, id: t.idToken?.payload } : null;
  },
  async user() {
    return getCurrentUser();
  },
};

// What Amplify v6 does when an administrator changes the user behind its
// back: AdminUserGlobalSignOut (the next forced refresh fails and Amplify
// drops its tokens), AdminDisableUser ("User is disabled."), and
// AdminResetUserPassword (signIn answers the RESET_PASSWORD step).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, signOut, fetchAuthSession, getCurrentUser } from 'aws-amplify/auth';
import {
  AdminUserGlobalSignOutCommand, AdminDisableUserCommand, AdminEnableUserCommand, AdminResetUserPasswordCommand, GetUserCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createPool, createConfirmedUser, uniqueUsername } from '../lib/admin.js';
import { configureAmplify } from '../lib/amplify.js';
import { whenImplemented, rejectsWith } from '../lib/pending.js';
import * as wire from '../lib/wire.js';

let ctx;
before(async () => {
  ctx = await createPool();
  configureAmplify(ctx);
});
afterEach(() => signOut().catch(() => {}));
after(() => ctx?.cleanup());

const newUser = () => createConfirmedUser(ctx, { attributes: { email: `${uniqueUsername('states')}@example.com`, email_verified: 'true' } });

test('AdminUserGlobalSignOut: the next forced refresh is refused and Amplify signs the user out', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  await signIn({ username: u.username, password: u.password });
  const { tokens } = await fetchAuthSession();
  await ctx.client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: ctx.userPoolId, Username: u.username }));

  const start = wire.mark();
  const after = await fetchAuthSession({ forceRefresh: true });
  assert.equal(after.tokens, undefined, 'Amplify dropped the revoked tokens');
  const [refresh] = wire.since(start).filter((ex) => ex.operation === 'GetTokensFromRefreshToken');
  assert.ok(refresh, 'Amplify refreshed with GetTokensFromRefreshToken');
  assert.equal(refresh.status, 400);
  assert.deepEqual(JSON.parse(refresh.response), { __type: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
  await rejectsWith(getCurrentUser(), { name: 'UserUnAuthenticatedException' });
  await rejectsWith(ctx.client.send(new GetUserCommand({ AccessToken: tokens.accessToken.toString() })),
    { name: 'NotAuthorizedException', message: 'Access Token has been revoked' });
}));

test('AdminDisableUser: signIn → NotAuthorizedException "User is disabled."; enabled again, it works', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  await ctx.client.send(new AdminDisableUserCommand({ UserPoolId: ctx.userPoolId, Username: u.username }));
  for (const authFlowType of ['USER_SRP_AUTH', 'USER_PASSWORD_AUTH']) {
    await rejectsWith(signIn({ username: u.username, password: u.password, options: { authFlowType } }),
      { name: 'NotAuthorizedException', message: 'User is disabled.' });
  }
  await ctx.client.send(new AdminEnableUserCommand({ UserPoolId: ctx.userPoolId, Username: u.username }));
  assert.equal((await signIn({ username: u.username, password: u.password })).isSignedIn, true);
}));

test('AdminResetUserPassword: signIn answers the RESET_PASSWORD step (PasswordResetRequiredException on the wire)', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  await ctx.client.send(new AdminResetUserPasswordCommand({ UserPoolId: ctx.userPoolId, Username: u.username }));
  const start = wire.mark();
  assert.deepEqual(await signIn({ username: u.username, password: u.password }), { isSignedIn: false, nextStep: { signInStep: 'RESET_PASSWORD' } });
  const errors = wire.since(start).filter((ex) => ex.status >= 400).map((ex) => JSON.parse(ex.response));
  assert.deepEqual(errors, [{ __type: 'PasswordResetRequiredException', message: 'Password reset required for the user' }]);
}));

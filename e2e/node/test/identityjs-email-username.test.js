// A pool whose users sign in with their email (UsernameAttributes: ["email"]).
// The internal username is then a UUID that SRP must use as USER_ID_FOR_SRP
// (spec §7.2, §9.2): amazon-cognito-identity-js computes its password claim
// with the USER_ID_FOR_SRP the server sends, so a server that used the typed
// email instead would fail this sign-in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AdminCreateUserCommand, AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createPool, adminGetUser, uniqueUsername, strongPassword, attributeMap } from '../lib/admin.js';
import { userPool, cognitoUser, authenticate, signUp, nodeback } from '../lib/identityjs.js';
import { verifyWithJose } from '../lib/jwt.js';
import { waitForCode } from '../lib/outbox.js';
import { whenImplemented, rejectsWith } from '../lib/pending.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let ctx;
before(async () => {
  ctx = await createPool({ pool: { UsernameAttributes: ['email'] } });
});
after(() => ctx?.cleanup());

test('SRP and USER_PASSWORD_AUTH sign-in with the email; tokens name the UUID username', (t) => whenImplemented(t, async () => {
  const email = `${uniqueUsername('alias')}@example.com`;
  const password = strongPassword();
  const { User } = await ctx.client.send(new AdminCreateUserCommand({
    UserPoolId: ctx.userPoolId, Username: email, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
  }));
  assert.match(User.Username, UUID, 'the internal username is a UUID when email is the username attribute');
  await ctx.client.send(new AdminSetUserPasswordCommand({ UserPoolId: ctx.userPoolId, Username: email, Password: password, Permanent: true }));
  const sub = attributeMap((await adminGetUser(ctx, email)).UserAttributes).sub;

  const pool = userPool(ctx);
  for (const flow of ['USER_SRP_AUTH', 'USER_PASSWORD_AUTH']) {
    const outcome = await authenticate(cognitoUser(pool, email), password, { flow });
    assert.equal(outcome.kind, 'success', `${flow} sign-in with the email`);
    const id = (await verifyWithJose(outcome.session.getIdToken().getJwtToken(), ctx.userPoolId)).payload;
    const access = (await verifyWithJose(outcome.session.getAccessToken().getJwtToken(), ctx.userPoolId)).payload;
    assert.equal(id['cognito:username'], User.Username);
    assert.equal(access.username, User.Username);
    assert.equal(id.sub, sub);
    assert.equal(id.email, email);
  }
  await rejectsWith(authenticate(cognitoUser(pool, email), `${password}x`),
    { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
}));

test('signUp with an email username, confirm with the outbox code, sign in with the email', (t) => whenImplemented(t, async () => {
  const email = `${uniqueUsername('aliassignup')}@example.com`;
  const password = strongPassword();
  const pool = userPool(ctx);
  const result = await signUp(pool, email, password, { email });
  assert.equal(result.userConfirmed, false);
  const internal = (await adminGetUser(ctx, email)).Username;
  assert.match(internal, UUID);

  const code = await waitForCode(ctx.userPoolId, internal, { purpose: 'SIGN_UP', channel: 'EMAIL' });
  assert.equal(await nodeback(cognitoUser(pool, email), 'confirmRegistration', code, true), 'SUCCESS');
  const outcome = await authenticate(cognitoUser(pool, email), password);
  assert.equal(outcome.kind, 'success');
}));

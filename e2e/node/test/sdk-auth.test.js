// Server-side sign-in through the AWS SDK for JavaScript v3, as Node backends
// do it: AdminInitiateAuth (SigV4) and InitiateAuth with a client secret
// (SECRET_HASH, spec §9.4), refresh with the secret, and the errors for a
// missing or wrong SECRET_HASH and a disabled flow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  AdminInitiateAuthCommand, InitiateAuthCommand, CreateUserPoolClientCommand, GetTokensFromRefreshTokenCommand, GetUserCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createPool, createConfirmedUser, uniqueUsername } from '../lib/admin.js';
import { verifyWithJose, assertAccessTokenClaims } from '../lib/jwt.js';
import { whenImplemented, rejectsWith } from '../lib/pending.js';

let ctx;
let secretClient; // { ClientId, ClientSecret }
before(async () => {
  ctx = await createPool({
    client: { ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
    pool: { UsernameAttributes: ['email'] },
  });
  const { UserPoolClient } = await ctx.client.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.userPoolId, ClientName: 'with-secret', GenerateSecret: true,
    ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  secretClient = UserPoolClient;
});
after(() => ctx?.cleanup());

const secretHash = (username, { ClientId, ClientSecret }) =>
  createHmac('sha256', ClientSecret).update(username + ClientId).digest('base64');

async function newUser() {
  const email = `${uniqueUsername('sdk')}@example.com`;
  const u = await createConfirmedUser(ctx, { username: email, attributes: { email } });
  return { email, password: u.password, internal: u.user.Username };
}

test('AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH returns tokens for the alias the user typed', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  const out = await ctx.client.send(new AdminInitiateAuthCommand({
    UserPoolId: ctx.userPoolId, ClientId: ctx.clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: u.email, PASSWORD: u.password },
  }));
  assert.deepEqual(out.ChallengeParameters, {});
  assert.equal(out.AuthenticationResult.TokenType, 'Bearer');
  const access = await verifyWithJose(out.AuthenticationResult.AccessToken, ctx.userPoolId);
  assertAccessTokenClaims(access.payload, { clientId: ctx.clientId, username: u.internal });
  await rejectsWith(ctx.client.send(new AdminInitiateAuthCommand({
    UserPoolId: ctx.userPoolId, ClientId: ctx.clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: u.email, PASSWORD: `${u.password}x` },
  })), { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
}));

test('AdminInitiateAuth on a client without ALLOW_ADMIN_USER_PASSWORD_AUTH → "Auth flow not enabled for this client"', (t) => whenImplemented(t, async () => {
  const { UserPoolClient } = await ctx.client.send(new CreateUserPoolClientCommand({
    UserPoolId: ctx.userPoolId, ClientName: 'no-admin-flow', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  const u = await newUser();
  await rejectsWith(ctx.client.send(new AdminInitiateAuthCommand({
    UserPoolId: ctx.userPoolId, ClientId: UserPoolClient.ClientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: u.email, PASSWORD: u.password },
  })), { name: 'InvalidParameterException', message: 'Auth flow not enabled for this client' });
}));

test('InitiateAuth with a client secret: SECRET_HASH required and checked; refresh uses the internal username', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  const auth = (params) => ctx.client.send(new InitiateAuthCommand({ ClientId: secretClient.ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: params }));
  await rejectsWith(auth({ USERNAME: u.email, PASSWORD: u.password }),
    { name: 'NotAuthorizedException', message: `Client ${secretClient.ClientId} is configured with secret but SECRET_HASH was not received` });
  await rejectsWith(auth({ USERNAME: u.email, PASSWORD: u.password, SECRET_HASH: secretHash(u.email, { ...secretClient, ClientSecret: 'wrong' }) }),
    { name: 'NotAuthorizedException', message: `Unable to verify secret hash for client ${secretClient.ClientId}` });

  const out = await auth({ USERNAME: u.email, PASSWORD: u.password, SECRET_HASH: secretHash(u.email, secretClient) });
  const access = await verifyWithJose(out.AuthenticationResult.AccessToken, ctx.userPoolId);
  assertAccessTokenClaims(access.payload, { clientId: secretClient.ClientId, username: u.internal });

  // Refresh: the hash is over the internal username (sub-like UUID), not the email.
  const refreshed = await ctx.client.send(new InitiateAuthCommand({
    ClientId: secretClient.ClientId, AuthFlow: 'REFRESH_TOKEN_AUTH',
    AuthParameters: { REFRESH_TOKEN: out.AuthenticationResult.RefreshToken, SECRET_HASH: secretHash(u.internal, secretClient) },
  }));
  assert.equal(refreshed.AuthenticationResult.RefreshToken, undefined);
  const me = await ctx.client.send(new GetUserCommand({ AccessToken: refreshed.AuthenticationResult.AccessToken }));
  assert.equal(me.Username, u.internal);

  // GetTokensFromRefreshToken takes the secret itself.
  const viaNewApi = await ctx.client.send(new GetTokensFromRefreshTokenCommand({
    ClientId: secretClient.ClientId, ClientSecret: secretClient.ClientSecret, RefreshToken: out.AuthenticationResult.RefreshToken,
  }));
  await verifyWithJose(viaNewApi.AuthenticationResult.IdToken, ctx.userPoolId, { audience: secretClient.ClientId });
}));

test('a refresh token only works with the client that issued it', (t) => whenImplemented(t, async () => {
  const u = await newUser();
  const out = await ctx.client.send(new InitiateAuthCommand({
    ClientId: ctx.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: u.email, PASSWORD: u.password },
  }));
  await rejectsWith(ctx.client.send(new InitiateAuthCommand({
    ClientId: secretClient.ClientId, AuthFlow: 'REFRESH_TOKEN_AUTH',
    AuthParameters: { REFRESH_TOKEN: out.AuthenticationResult.RefreshToken, SECRET_HASH: secretHash(u.internal, secretClient) },
  })), { name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
}));

// Admin setup through the AWS SDK for JavaScript v3. Every call here is
// SigV4-signed by the SDK's own signer, so each one also checks the server's
// signature verification against that signer.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
  CreateUserPoolClientCommand,
  DeleteUserPoolCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  AdminGetUserCommand,
  SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { endpoint as defaultEndpoint, region, adminCredentials } from './env.js';

// adminClient is an SDK v3 client pointed at the server, with the admin key
// pair and no retries (a retry would hide the first answer).
export function adminClient({ endpoint = defaultEndpoint, credentials = adminCredentials } = {}) {
  return new CognitoIdentityProviderClient({ region, endpoint, credentials, maxAttempts: 1 });
}

export const DEFAULT_FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];

// createPool creates a user pool and an app client (no secret) for one test
// file. pool and client are extra CreateUserPool / CreateUserPoolClient input
// members. It returns { client, userPoolId, clientId, pool, appClient, cleanup }.
export async function createPool({ name, pool = {}, client = {}, endpoint } = {}) {
  const admin = adminClient({ endpoint });
  const poolName = name ?? `e2e-${randomUUID().slice(0, 8)}`;
  const { UserPool } = await admin.send(
    new CreateUserPoolCommand({
      PoolName: poolName,
      AutoVerifiedAttributes: ['email'],
      ...pool,
    }),
  );
  const { UserPoolClient } = await admin.send(
    new CreateUserPoolClientCommand({
      UserPoolId: UserPool.Id,
      ClientName: `${poolName}-client`,
      ExplicitAuthFlows: DEFAULT_FLOWS,
      ...client,
    }),
  );
  return {
    client: admin,
    userPoolId: UserPool.Id,
    clientId: UserPoolClient.ClientId,
    pool: UserPool,
    appClient: UserPoolClient,
    cleanup: () => admin.send(new DeleteUserPoolCommand({ UserPoolId: UserPool.Id })).catch(() => {}),
  };
}

// uniqueUsername gives a fresh username per call.
export function uniqueUsername(prefix = 'user') {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

// strongPassword satisfies Cognito's default policy (8+ chars, upper, lower,
// digit, symbol) and differs per call.
export function strongPassword() {
  return `Pw1!${randomBytes(9).toString('base64url')}aZ`;
}

// createConfirmedUser makes a CONFIRMED user with a permanent password the way
// test suites usually do: AdminCreateUser (no message) + AdminSetUserPassword
// Permanent=true. attributes is an object {name: value}.
export async function createConfirmedUser(ctx, { username = uniqueUsername(), password = strongPassword(), attributes = {} } = {}) {
  const UserAttributes = Object.entries(attributes).map(([Name, Value]) => ({ Name, Value }));
  const { User } = await ctx.client.send(
    new AdminCreateUserCommand({ UserPoolId: ctx.userPoolId, Username: username, MessageAction: 'SUPPRESS', UserAttributes }),
  );
  await ctx.client.send(
    new AdminSetUserPasswordCommand({ UserPoolId: ctx.userPoolId, Username: username, Password: password, Permanent: true }),
  );
  return { username, password, user: User };
}

// createTemporaryPasswordUser makes a FORCE_CHANGE_PASSWORD user with the
// given temporary password and no invitation message.
export async function createTemporaryPasswordUser(ctx, { username = uniqueUsername('temp'), temporaryPassword = strongPassword(), attributes = {} } = {}) {
  const UserAttributes = Object.entries(attributes).map(([Name, Value]) => ({ Name, Value }));
  const { User } = await ctx.client.send(
    new AdminCreateUserCommand({
      UserPoolId: ctx.userPoolId,
      Username: username,
      TemporaryPassword: temporaryPassword,
      MessageAction: 'SUPPRESS',
      UserAttributes,
    }),
  );
  return { username, temporaryPassword, user: User };
}

export async function adminGetUser(ctx, username) {
  return ctx.client.send(new AdminGetUserCommand({ UserPoolId: ctx.userPoolId, Username: username }));
}

// attributeMap turns [{Name, Value}] (or CognitoUserAttribute objects) into {name: value}.
export function attributeMap(list = []) {
  return Object.fromEntries(list.map((a) => [a.Name ?? a.getName(), a.Value ?? a.getValue()]));
}

export const SMS_ROLE = { SnsCallerArn: 'arn:aws:iam::000000000000:role/userpoold-e2e-sms', ExternalId: 'userpoold-e2e' };

// createMfaPool creates a pool (and client) whose MFA is mfa (OPTIONAL or ON)
// with the given factors ('TOTP', 'SMS', 'EMAIL') through SetUserPoolMfaConfig.
export async function createMfaPool({ mfa = 'OPTIONAL', factors = ['TOTP'], pool = {}, client = {}, endpoint } = {}) {
  const ctx = await createPool({ pool: { SmsConfiguration: SMS_ROLE, ...pool }, client, endpoint });
  const input = { UserPoolId: ctx.userPoolId, MfaConfiguration: mfa };
  if (factors.includes('TOTP')) input.SoftwareTokenMfaConfiguration = { Enabled: true };
  if (factors.includes('SMS')) input.SmsMfaConfiguration = { SmsAuthenticationMessage: 'Your authentication code is {####}. ', SmsConfiguration: SMS_ROLE };
  if (factors.includes('EMAIL')) input.EmailMfaConfiguration = { Message: 'Your authentication code is {####}.', Subject: 'Your code' };
  await ctx.client.send(new SetUserPoolMfaConfigCommand(input));
  return ctx;
}

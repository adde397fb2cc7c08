// Device tracking through amazon-cognito-identity-js (spec §7.5): a sign-in
// on a tracking pool returns NewDeviceMetadata, the library confirms the device
// (ConfirmDevice with its SRP verifier), the app remembers it
// (setDeviceStatusRemembered), and a remembered device then authenticates
// with DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER instead of the TOTP challenge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AdminForgetDeviceCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createMfaPool, createConfirmedUser } from '../lib/admin.js';
import {
  userPool, cognitoUser, authenticate, sendMFACode, callbacks, associateSoftwareToken, verifySoftwareToken, nodeback,
} from '../lib/identityjs.js';
import { freshCode } from '../lib/totp.js';
import { decodeJwt, verifyWithJose } from '../lib/jwt.js';
import { whenImplemented } from '../lib/pending.js';
import * as wire from '../lib/wire.js';

const DEVICE_KEY = /^us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let ctx;
before(async () => {
  ctx = await createMfaPool({
    mfa: 'OPTIONAL', factors: ['TOTP'],
    pool: { DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true } },
  });
});
after(() => ctx?.cleanup());

// signInOnNewDevice signs a new user in with a fresh storage (a new device)
// and returns what the library did with the device.
async function signInOnNewDevice() {
  const u = await createConfirmedUser(ctx);
  const pool = userPool(ctx);
  const user = cognitoUser(pool, u.username);
  const start = wire.mark();
  const outcome = await authenticate(user, u.password);
  assert.equal(outcome.kind, 'success');
  const result = wire.responses('RespondToAuthChallenge', start).at(-1).AuthenticationResult;
  return { ...u, pool, user, outcome, result, start };
}

test('a sign-in on a tracking pool returns NewDeviceMetadata and the library confirms the device', (t) => whenImplemented(t, async () => {
  const s = await signInOnNewDevice();
  assert.ok(s.result.NewDeviceMetadata, 'AuthenticationResult.NewDeviceMetadata');
  assert.match(s.result.NewDeviceMetadata.DeviceKey, DEVICE_KEY);
  assert.equal(typeof s.result.NewDeviceMetadata.DeviceGroupKey, 'string');
  const [confirm] = wire.requests('ConfirmDevice', s.start);
  assert.equal(confirm.DeviceKey, s.result.NewDeviceMetadata.DeviceKey);
  assert.deepEqual(wire.responses('ConfirmDevice', s.start), [{ UserConfirmationNecessary: true }], 'DeviceOnlyRememberedOnUserPrompt');
  assert.equal(s.outcome.userConfirmationNecessary, true);
}));

test('setDeviceStatusRemembered, getDevice, listDevices, forgetDevice', (t) => whenImplemented(t, async () => {
  const s = await signInOnNewDevice();
  const key = s.result.NewDeviceMetadata?.DeviceKey;
  assert.ok(key, 'NewDeviceMetadata');
  assert.equal(await callbacks(s.user, 'setDeviceStatusRemembered'), 'SUCCESS');
  const { Device } = await callbacks(s.user, 'getDevice');
  assert.equal(Device.DeviceKey, key);
  const attrs = Object.fromEntries(Device.DeviceAttributes.map((a) => [a.Name, a.Value]));
  assert.equal(attrs['dev:device_remembered_status'], 'remembered');
  assert.equal(attrs.device_status, 'valid');
  for (const k of ['DeviceCreateDate', 'DeviceLastModifiedDate', 'DeviceLastAuthenticatedDate']) {
    assert.equal(typeof Device[k], 'number', `${k} is epoch seconds`);
  }
  const listed = await new Promise((resolve, reject) => s.user.listDevices(10, null, { onSuccess: resolve, onFailure: reject }));
  assert.deepEqual(listed.Devices.map((d) => d.DeviceKey), [key]);
  assert.equal(await callbacks(s.user, 'forgetDevice'), 'SUCCESS');
  const after = await new Promise((resolve, reject) => s.user.listDevices(10, null, { onSuccess: resolve, onFailure: reject }));
  assert.deepEqual(after.Devices, []);
}));

test('a remembered device answers DEVICE_SRP_AUTH instead of the TOTP challenge; its access token names the device', (t) => whenImplemented(t, async () => {
  const s = await signInOnNewDevice();
  const key = s.result.NewDeviceMetadata?.DeviceKey;
  assert.ok(key, 'NewDeviceMetadata');
  // Turn on TOTP for the user, then remember the device.
  const secret = await associateSoftwareToken(s.user);
  assert.equal((await verifySoftwareToken(s.user, await freshCode(secret))).Status, 'SUCCESS');
  assert.equal(await nodeback(s.user, 'setUserMfaPreference', null, { Enabled: true, PreferredMfa: true }), 'SUCCESS');
  assert.equal(await callbacks(s.user, 'setDeviceStatusRemembered'), 'SUCCESS');

  // The same device (same storage) signs in again: no TOTP, device SRP instead.
  const again = cognitoUser(s.pool, s.username);
  again.getCachedDeviceKeyAndPassword();
  const start = wire.mark();
  const outcome = await authenticate(again, s.password);
  assert.equal(outcome.kind, 'success', `a remembered device skips TOTP (got ${outcome.kind})`);
  const challenges = wire.responses('RespondToAuthChallenge', start).map((r) => r.ChallengeName ?? 'tokens');
  assert.deepEqual(challenges, ['DEVICE_SRP_AUTH', 'DEVICE_PASSWORD_VERIFIER', 'tokens']);
  const final = wire.responses('RespondToAuthChallenge', start).at(-1).AuthenticationResult;
  assert.equal(final.NewDeviceMetadata, undefined, 'no new device for a known one');
  const access = await verifyWithJose(final.AccessToken, ctx.userPoolId);
  assert.equal(access.payload.device_key, key);

  // A new device (fresh storage) still gets the TOTP challenge.
  const elsewhere = cognitoUser(userPool(ctx), s.username);
  const challenged = await authenticate(elsewhere, s.password);
  assert.equal(challenged.kind, 'totpRequired');
  const done = await sendMFACode(elsewhere, await freshCode(secret), 'SOFTWARE_TOKEN_MFA');
  assert.equal(done.kind, 'success');
  assert.equal(decodeJwt(done.session.getAccessToken().getJwtToken()).device_key, undefined, 'a new device is not in the token until confirmed');
}));

test('a device forgotten by an administrator: the library retries PASSWORD_VERIFIER without the stale DEVICE_KEY and signs in', (t) => whenImplemented(t, async () => {
  const s = await signInOnNewDevice();
  const key = s.result.NewDeviceMetadata?.DeviceKey;
  assert.ok(key, 'NewDeviceMetadata');
  assert.equal(await callbacks(s.user, 'setDeviceStatusRemembered'), 'SUCCESS');
  await ctx.client.send(new AdminForgetDeviceCommand({ UserPoolId: ctx.userPoolId, Username: s.username, DeviceKey: key }));

  const again = cognitoUser(s.pool, s.username);
  again.getCachedDeviceKeyAndPassword();
  assert.equal(again.deviceKey, key, 'the library still holds the forgotten key');
  const start = wire.mark();
  const outcome = await authenticate(again, s.password);
  assert.equal(outcome.kind, 'success');
  // amazon-cognito-identity-js answers the same PASSWORD_VERIFIER challenge a
  // second time (same SECRET_BLOCK and signature) with "DEVICE_KEY": null when
  // the first answer is a ResourceNotFoundException mentioning "device".
  const answers = wire.since(start).filter((ex) => ex.operation === 'RespondToAuthChallenge');
  assert.equal(answers.length, 2, wire.describe(answers));
  assert.deepEqual(JSON.parse(answers[0].response), { __type: 'ResourceNotFoundException', message: 'Device does not exist.' });
  assert.equal(JSON.parse(answers[1].request).ChallengeResponses.DEVICE_KEY, null);
  assert.equal(JSON.parse(answers[1].request).ChallengeResponses.PASSWORD_CLAIM_SECRET_BLOCK, JSON.parse(answers[0].request).ChallengeResponses.PASSWORD_CLAIM_SECRET_BLOCK);
  assert.ok(JSON.parse(answers[1].response).AuthenticationResult.NewDeviceMetadata, 'a new device is offered');
}));

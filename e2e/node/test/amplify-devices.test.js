// Device tracking through Amplify v6: signIn confirms the new device on its
// own (ConfirmDevice), then rememberDevice, fetchDevices and forgetDevice; a
// remembered device signs in with DEVICE_SRP_AUTH instead of the TOTP code.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, signOut, confirmSignIn, rememberDevice, fetchDevices, forgetDevice, setUpTOTP, verifyTOTPSetup, updateMFAPreference } from 'aws-amplify/auth';
import { AdminForgetDeviceCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createMfaPool, createConfirmedUser } from '../lib/admin.js';
import { freshCode } from '../lib/totp.js';
import { decodeJwt } from '../lib/jwt.js';
import { configureAmplify } from '../lib/amplify.js';
import { whenImplemented } from '../lib/pending.js';
import * as wire from '../lib/wire.js';

let ctx;
before(async () => {
  ctx = await createMfaPool({
    mfa: 'OPTIONAL', factors: ['TOTP'],
    pool: { DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true } },
  });
  configureAmplify(ctx);
});
afterEach(() => signOut().catch(() => {}));
after(() => ctx?.cleanup());

test('signIn confirms the device; rememberDevice; fetchDevices lists it; forgetDevice removes it', (t) => whenImplemented(t, async () => {
  const u = await createConfirmedUser(ctx);
  const start = wire.mark();
  assert.equal((await signIn({ username: u.username, password: u.password })).isSignedIn, true);
  const [confirm] = wire.requests('ConfirmDevice', start);
  assert.ok(confirm, 'Amplify called ConfirmDevice for the NewDeviceMetadata');

  await rememberDevice();
  const devices = await fetchDevices();
  assert.equal(devices.length, 1);
  assert.equal(devices[0].id, confirm.DeviceKey);
  assert.equal(devices[0].attributes['dev:device_remembered_status'], 'remembered');
  assert.ok(devices[0].createDate instanceof Date);

  await forgetDevice();
  assert.deepEqual(await fetchDevices(), []);
}));

test('a remembered device skips the TOTP step on the next signIn (DEVICE_SRP_AUTH); a forgotten one does not', (t) => whenImplemented(t, async () => {
  const u = await createConfirmedUser(ctx);
  assert.equal((await signIn({ username: u.username, password: u.password })).isSignedIn, true);
  const details = await setUpTOTP();
  await verifyTOTPSetup({ code: await freshCode(details.sharedSecret) });
  await updateMFAPreference({ totp: 'PREFERRED' });
  await rememberDevice();
  const [device] = await fetchDevices();
  await signOut();

  const start = wire.mark();
  assert.deepEqual(await signIn({ username: u.username, password: u.password }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } },
    'no TOTP step on a remembered device');
  const challenges = wire.responses('RespondToAuthChallenge', start).map((r) => r.ChallengeName ?? 'tokens');
  assert.deepEqual(challenges, ['DEVICE_SRP_AUTH', 'DEVICE_PASSWORD_VERIFIER', 'tokens']);
  const final = wire.responses('RespondToAuthChallenge', start).at(-1).AuthenticationResult;
  assert.equal(decodeJwt(final.AccessToken).device_key, device.id);

  await forgetDevice();
  await signOut();
  const step = await signIn({ username: u.username, password: u.password });
  assert.equal(step.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE', 'a forgotten device is a new device again');
  assert.equal((await confirmSignIn({ challengeResponse: await freshCode(details.sharedSecret) })).isSignedIn, true);
}));

test('a device forgotten by an administrator: the stale DEVICE_KEY gets "Device does not exist." and Amplify signs in without it', (t) => whenImplemented(t, async () => {
  const u = await createConfirmedUser(ctx);
  assert.equal((await signIn({ username: u.username, password: u.password })).isSignedIn, true);
  await rememberDevice();
  const [device] = await fetchDevices();
  await signOut();
  await ctx.client.send(new AdminForgetDeviceCommand({ UserPoolId: ctx.userPoolId, Username: u.username, DeviceKey: device.id }));

  const start = wire.mark();
  assert.equal((await signIn({ username: u.username, password: u.password })).isSignedIn, true);
  const refused = wire.since(start).filter((ex) => ex.status >= 400);
  assert.deepEqual(refused.map((ex) => JSON.parse(ex.response)), [{ __type: 'ResourceNotFoundException', message: 'Device does not exist.' }],
    'Amplify retries without the key only on exactly this answer (spec §7.5)');
  assert.ok(wire.requests('ConfirmDevice', start).length === 1, 'the retried sign-in gets a new device');
}));

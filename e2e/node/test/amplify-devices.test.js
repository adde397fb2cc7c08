// Device tracking through Amplify v6: signIn confirms the new device on its
// own (ConfirmDevice), then rememberDevice, fetchDevices and forgetDevice.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, signOut, rememberDevice, fetchDevices, forgetDevice } from 'aws-amplify/auth';
import { createPool, createConfirmedUser } from '../lib/admin.js';
import { configureAmplify } from '../lib/amplify.js';
import { whenImplemented, notYet } from '../lib/pending.js';
import * as wire from '../lib/wire.js';

let ctx;
before(async () => {
  ctx = await createPool({ pool: { DeviceConfiguration: { ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: true } } });
  configureAmplify(ctx);
});
afterEach(() => signOut().catch(() => {}));
after(() => ctx?.cleanup());

test('signIn confirms the device; rememberDevice; fetchDevices lists it; forgetDevice removes it', { todo: notYet.devices }, (t) => whenImplemented(t, async () => {
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

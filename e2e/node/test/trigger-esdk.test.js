// Custom sender codes: userpoold writes them as AWS Encryption SDK messages
// that @aws-crypto/client-node (what sender Lambdas use) must read, and Go
// must read what client-node writes. The Go side lives in
// internal/trigger/esdk; its interoperability tests skip when this suite's
// node_modules are missing (as during `go test ./...` on a fresh clone), so
// this file runs them here, after npm ci, and fails if they skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('Encryption SDK messages interoperate with @aws-crypto/client-node both ways', () => {
  const run = spawnSync('go', ['test', '-count=1', '-v', '-run', '^(TestNodeDecryptsGoMessage|TestGoDecryptsNodeMessage)$', './internal/trigger/esdk/'], {
    cwd: root, encoding: 'utf8', timeout: 300_000,
  });
  const out = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, out);
  assert.match(out, /--- PASS: TestNodeDecryptsGoMessage/, out);
  assert.match(out, /--- PASS: TestGoDecryptsNodeMessage/, out);
  assert.doesNotMatch(out, /--- SKIP/, out);
});

test('a custom sender Lambda decrypts the code userpoold sends it with @aws-crypto/client-node', () => {
  // internal/apiserver's TestTriggerCustomSender signs a user up in a pool
  // with a CustomEmailSender and --kms-endpoint, takes the code from the
  // sender's event and decrypts it with lib/esdk-interop.js.
  const run = spawnSync('go', ['test', '-count=1', '-v', '-run', '^TestTriggerCustomSender$', './internal/apiserver/'], {
    cwd: root, encoding: 'utf8', timeout: 300_000,
  });
  const out = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, out);
  assert.match(out, /--- PASS: TestTriggerCustomSender\/KMS\/client-node_decrypts_it/, out);
  assert.doesNotMatch(out, /--- SKIP/, out);
});

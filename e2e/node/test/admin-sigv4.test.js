// Admin (IAM-authorized) operations signed by the AWS SDK for JavaScript v3:
// the server accepts the SDK's SigV4 signatures with the configured key and
// refuses a wrong secret, an unknown key and an unsigned call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeUserPoolCommand, ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { adminClient, createPool } from '../lib/admin.js';
import { listMessages } from '../lib/outbox.js';
import { rejectsWith } from '../lib/pending.js';
import { endpoint, adminCredentials } from '../lib/env.js';

let ctx;
before(async () => {
  ctx = await createPool();
});
after(() => ctx?.cleanup());

test('the SDK v3 signer\'s requests are accepted (DescribeUserPool, ListUserPools)', async () => {
  const { UserPool } = await ctx.client.send(new DescribeUserPoolCommand({ UserPoolId: ctx.userPoolId }));
  assert.equal(UserPool.Id, ctx.userPoolId);
  const { UserPools } = await ctx.client.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  assert.ok(UserPools.some((p) => p.Id === ctx.userPoolId));
});

test('a wrong secret → InvalidSignatureException', async () => {
  const bad = adminClient({ credentials: { ...adminCredentials, secretAccessKey: `${adminCredentials.secretAccessKey}x` } });
  const err = await rejectsWith(bad.send(new DescribeUserPoolCommand({ UserPoolId: ctx.userPoolId })), { name: 'InvalidSignatureException' });
  assert.match(err.message, /^The request signature we calculated does not match the signature you provided/);
  assert.equal(err.$metadata.httpStatusCode, 400);
});

test('an unknown access key → UnrecognizedClientException', async () => {
  const bad = adminClient({ credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: adminCredentials.secretAccessKey } });
  await rejectsWith(bad.send(new DescribeUserPoolCommand({ UserPoolId: ctx.userPoolId })),
    { name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
});

test('an unsigned admin call → MissingAuthenticationTokenException', async () => {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.DescribeUserPool' },
    body: JSON.stringify({ UserPoolId: ctx.userPoolId }),
  });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
});

test('the outbox accepts a SigV4-signed GET and refuses an unsigned one when admin keys are configured', async () => {
  assert.deepEqual(await listMessages(ctx.userPoolId), []);
  const res = await fetch(`${endpoint}/_userpoold/outbox?userPoolId=${ctx.userPoolId}`);
  assert.equal(res.status, 403);
  assert.equal((await res.json()).__type, 'MissingAuthenticationTokenException');
});

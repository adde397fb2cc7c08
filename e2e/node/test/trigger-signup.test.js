// Sign-up triggers through amazon-cognito-identity-js, against a second
// server started as the README's sam-local example starts it
// (--lambda-endpoint, --lambda-function-name name) whose endpoint is the
// Node Lambda Invoke endpoint of lib/lambda-endpoint.js: PreSignUp
// auto-confirms (the library then signs in at once) or refuses with the
// function's message, CustomMessage writes the confirmation email, and
// PostConfirmation fires on confirmRegistration.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, uniqueUsername, strongPassword, adminGetUser } from '../lib/admin.js';
import { userPool, cognitoUser, authenticate, signUp, nodeback, tokens } from '../lib/identityjs.js';
import { waitForMessage } from '../lib/outbox.js';
import { startLambdaEndpoint } from '../lib/lambda-endpoint.js';
import { startServer } from '../lib/server.js';

// sam local names functions by their template's logical IDs.
const arn = (name) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

const handlers = {
  async PreSignUpFn(event) {
    const email = event.request.userAttributes.email ?? '';
    if (email.endsWith('@blocked.example')) throw new Error('Sign-ups from blocked.example are closed');
    if (email.endsWith('@auto.example')) {
      event.response.autoConfirmUser = true;
      event.response.autoVerifyEmail = true;
    }
    return event;
  },
  async CustomMessageFn(event) {
    if (event.triggerSource === 'CustomMessage_SignUp') {
      event.response.emailSubject = 'Welcome aboard';
      event.response.emailMessage = `Welcome, ${event.request.userAttributes.email}! Your code is ${event.request.codeParameter}`;
    }
    return event;
  },
  async PostConfirmationFn(event) { return event; },
};

let lambda;
let srv;
let ctx;
before(async () => {
  lambda = await startLambdaEndpoint(handlers);
  srv = await startServer(['--lambda-endpoint', lambda.url, '--lambda-function-name', 'name']);
  ctx = await createPool({
    endpoint: srv.endpoint,
    pool: {
      LambdaConfig: {
        PreSignUp: arn('PreSignUpFn'), CustomMessage: arn('CustomMessageFn'), PostConfirmation: arn('PostConfirmationFn'),
      },
      EmailConfiguration: { EmailSendingAccount: 'DEVELOPER', SourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com' },
    },
  });
});
after(async () => {
  await srv?.stop();
  await lambda?.close();
});

const calls = (name) => lambda.invocations.filter((i) => i.name === name);

test('PreSignUp auto-confirms: the user signs in at once, nothing was sent', async () => {
  const pool = userPool(ctx, { endpoint: srv.endpoint });
  const username = uniqueUsername('auto');
  const password = strongPassword();
  const res = await signUp(pool, username, password, { email: `${username}@auto.example` });
  assert.equal(res.userConfirmed, true);
  assert.equal(res.codeDeliveryDetails, undefined);
  const ev = calls('PreSignUpFn').at(-1);
  assert.equal(ev.pathName, 'PreSignUpFn', 'sam local mode sends the function name, not the ARN');
  assert.equal(ev.event.triggerSource, 'PreSignUp_SignUp');
  assert.equal(ev.event.callerContext.clientId, ctx.clientId);
  const out = await authenticate(cognitoUser(pool, username), password);
  assert.equal(out.kind, 'success');
  assert.ok(tokens(out.session).accessToken);
});

test('PreSignUp refuses with the function message, and no user is created', async () => {
  const pool = userPool(ctx, { endpoint: srv.endpoint });
  const username = uniqueUsername('blocked');
  await assert.rejects(signUp(pool, username, strongPassword(), { email: `${username}@blocked.example` }), (err) => {
    assert.equal(err.code, 'UserLambdaValidationException');
    assert.equal(err.message, 'PreSignUp failed with error Sign-ups from blocked.example are closed.');
    return true;
  });
  await assert.rejects(adminGetUser(ctx, username), (err) => err.name === 'UserNotFoundException');
});

test('CustomMessage writes the confirmation email; PostConfirmation fires on confirmRegistration', async () => {
  const pool = userPool(ctx, { endpoint: srv.endpoint });
  const username = uniqueUsername('msg');
  const res = await signUp(pool, username, strongPassword(), { email: `${username}@example.com` });
  assert.equal(res.userConfirmed, false);
  const m = await waitForMessage(ctx.userPoolId, username, { purpose: 'SIGN_UP', endpoint: srv.endpoint });
  assert.equal(m.Body, `Welcome, ${username}@example.com! Your code is ${m.Code}`);
  assert.equal(calls('CustomMessageFn').at(-1).event.triggerSource, 'CustomMessage_SignUp');
  await nodeback(cognitoUser(pool, username), 'confirmRegistration', m.Code, true);
  const post = calls('PostConfirmationFn').at(-1).event;
  assert.equal(post.triggerSource, 'PostConfirmation_ConfirmSignUp');
  assert.equal(post.userName, username);
  assert.equal(post.request.userAttributes['cognito:user_status'], 'CONFIRMED');
});

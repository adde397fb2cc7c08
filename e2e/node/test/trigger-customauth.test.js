// CUSTOM_AUTH and a pre-token claim through the client libraries, against a
// second server whose --lambda-endpoint is the Node Lambda Invoke endpoint
// of lib/lambda-endpoint.js running lib/trigger-handlers.js (a quiz:
// define/create/verify; a V2_0 pre-token function adding `tenant`):
// amazon-cognito-identity-js (initiateAuth + customChallenge without SRP,
// authenticateUser with SRP_A first, several rounds), Amplify v6
// (authFlowType CUSTOM_WITHOUT_SRP and CUSTOM_WITH_SRP), and the V2 claim
// verified in both tokens by aws-jwt-verify against the server's JWKS.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, confirmSignIn, signOut, fetchAuthSession } from 'aws-amplify/auth';
import { JwtVerifier } from 'aws-jwt-verify';
import { createPool, createConfirmedUser, DEFAULT_FLOWS } from '../lib/admin.js';
import { configureAmplify } from '../lib/amplify.js';
import { userPool, cognitoUser, AuthenticationDetails, tokens } from '../lib/identityjs.js';
import { jwksCacheFor, jwksUrl } from '../lib/jwt.js';
import { localIssuer } from '../lib/env.js';
import { startLambdaEndpoint } from '../lib/lambda-endpoint.js';
import { startServer } from '../lib/server.js';
import * as handlers from '../lib/trigger-handlers.js';

const arn = (name) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

let lambda;
let srv;
let ctx;
before(async () => {
  lambda = await startLambdaEndpoint({ ...handlers });
  srv = await startServer(['--lambda-endpoint', lambda.url]);
  ctx = await createPool({
    endpoint: srv.endpoint,
    pool: {
      LambdaConfig: {
        DefineAuthChallenge: arn('DefineAuthChallenge'),
        CreateAuthChallenge: arn('CreateAuthChallenge'),
        VerifyAuthChallengeResponse: arn('VerifyAuthChallengeResponse'),
        PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: arn('PreTokenGeneration') },
      },
    },
    client: { ExplicitAuthFlows: [...DEFAULT_FLOWS, 'ALLOW_CUSTOM_AUTH'] },
  });
  configureAmplify(ctx, { endpoint: srv.endpoint });
});
afterEach(async () => { await signOut().catch(() => {}); });
after(async () => {
  await srv?.stop();
  await lambda?.close();
});

// answer reads the quiz's question ("what is N+1?").
function answer(params) {
  const n = Number(/what is (\d+)\+1\?/.exec(params.question)?.[1]);
  assert.ok(Number.isInteger(n), `no quiz question in ${JSON.stringify(params)}`);
  return String(n + 1);
}

// callbacks resolves a step of amazon-cognito-identity-js's custom flow.
function step(resolve, reject) {
  return {
    onSuccess: (session) => resolve({ kind: 'success', session }),
    onFailure: reject,
    customChallenge: (challengeParameters) => resolve({ kind: 'customChallenge', challengeParameters }),
    mfaRequired: (name) => reject(new Error(`unexpected ${name}`)),
    totpRequired: (name) => reject(new Error(`unexpected ${name}`)),
  };
}

// verifyTenant checks both tokens with aws-jwt-verify against the server's
// JWKS, and the claims the pre-token function added.
async function verifyTenant(idToken, accessToken) {
  const { jwksCache } = await jwksCacheFor(srv.endpoint);
  const issuer = localIssuer(ctx.userPoolId, srv.endpoint);
  const jwksUri = jwksUrl(ctx.userPoolId, srv.endpoint);
  const id = await JwtVerifier.create({ issuer, jwksUri, audience: ctx.clientId }, { jwksCache }).verify(idToken);
  const access = await JwtVerifier.create({
    issuer, jwksUri, audience: null,
    customJwtCheck: ({ payload }) => { if (payload.token_use !== 'access') throw new Error('not an access token'); },
  }, { jwksCache }).verify(accessToken);
  assert.equal(id.tenant, 'acme', 'ID token claim added by the V2_0 pre-token function');
  assert.equal(access.tenant, 'acme', 'access token claim added by the V2_0 pre-token function');
  assert.equal(access.tier, 3);
}

function lastDefineSession() {
  const defs = lambda.invocations.filter((i) => i.name === 'DefineAuthChallenge');
  return defs[defs.length - 1].event.request.session;
}

test('amazon-cognito-identity-js: CUSTOM_AUTH without SRP, one round (initiateAuth + customChallenge)', async () => {
  const u = await createConfirmedUser(ctx);
  const pool = userPool(ctx, { endpoint: srv.endpoint });
  const user = cognitoUser(pool, u.username);
  user.setAuthenticationFlowType('CUSTOM_AUTH');
  const first = await new Promise((resolve, reject) => user.initiateAuth(new AuthenticationDetails({ Username: u.username }), step(resolve, reject)));
  assert.equal(first.kind, 'customChallenge');
  assert.equal(first.challengeParameters.USERNAME, u.username);
  const done = await new Promise((resolve, reject) => user.sendCustomChallengeAnswer(answer(first.challengeParameters), step(resolve, reject)));
  assert.equal(done.kind, 'success');
  const t = tokens(done.session);
  await verifyTenant(t.idToken, t.accessToken);
  assert.deepEqual(lastDefineSession().map((s) => [s.challengeName, s.challengeResult]), [['CUSTOM_CHALLENGE', true]]);
});

test('amazon-cognito-identity-js: CUSTOM_AUTH with SRP_A first, then three rounds and a wrong answer', async () => {
  const u = await createConfirmedUser(ctx);
  const pool = userPool(ctx, { endpoint: srv.endpoint });
  const user = cognitoUser(pool, u.username);
  user.setAuthenticationFlowType('CUSTOM_AUTH');
  let out = await new Promise((resolve, reject) =>
    user.authenticateUser(new AuthenticationDetails({ Username: u.username, Password: u.password }), step(resolve, reject)));
  assert.equal(out.kind, 'customChallenge');
  // Define saw SRP_A, then the verified password.
  assert.deepEqual(lastDefineSession().map((s) => s.challengeName), ['SRP_A', 'PASSWORD_VERIFIER']);
  // A wrong answer: a new round (the quiz fails only after three).
  out = await new Promise((resolve, reject) => user.sendCustomChallengeAnswer('wrong', step(resolve, reject), { rounds: '3' }));
  assert.equal(out.kind, 'customChallenge');
  for (let i = 0; i < 3 && out.kind === 'customChallenge'; i++) {
    out = await new Promise((resolve, reject) => user.sendCustomChallengeAnswer(answer(out.challengeParameters), step(resolve, reject), { rounds: '3' }));
  }
  assert.equal(out.kind, 'success');
  const results = lastDefineSession().map((s) => `${s.challengeName}:${s.challengeResult}`);
  assert.deepEqual(results, ['SRP_A:true', 'PASSWORD_VERIFIER:true', 'CUSTOM_CHALLENGE:false',
    'CUSTOM_CHALLENGE:true', 'CUSTOM_CHALLENGE:true', 'CUSTOM_CHALLENGE:true']);
  const t = tokens(out.session);
  await verifyTenant(t.idToken, t.accessToken);
});

test('amazon-cognito-identity-js: a wrong password in CUSTOM_AUTH with SRP fails', async () => {
  const u = await createConfirmedUser(ctx);
  const user = cognitoUser(userPool(ctx, { endpoint: srv.endpoint }), u.username);
  user.setAuthenticationFlowType('CUSTOM_AUTH');
  await assert.rejects(new Promise((resolve, reject) =>
    user.authenticateUser(new AuthenticationDetails({ Username: u.username, Password: `${u.password}x` }), step(resolve, reject))),
  { code: 'NotAuthorizedException', message: 'Incorrect username or password.' });
});

test('Amplify v6: signIn with authFlowType CUSTOM_WITHOUT_SRP', async () => {
  const u = await createConfirmedUser(ctx);
  const res = await signIn({ username: u.username, options: { authFlowType: 'CUSTOM_WITHOUT_SRP' } });
  assert.equal(res.isSignedIn, false);
  assert.equal(res.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
  const done = await confirmSignIn({ challengeResponse: answer(res.nextStep.additionalInfo) });
  assert.equal(done.isSignedIn, true);
  assert.equal(done.nextStep.signInStep, 'DONE');
  const { tokens: t } = await fetchAuthSession();
  await verifyTenant(t.idToken.toString(), t.accessToken.toString());
});

test('Amplify v6: signIn with authFlowType CUSTOM_WITH_SRP', async () => {
  const u = await createConfirmedUser(ctx);
  const res = await signIn({ username: u.username, password: u.password, options: { authFlowType: 'CUSTOM_WITH_SRP' } });
  assert.equal(res.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
  assert.deepEqual(lastDefineSession().map((s) => s.challengeName), ['SRP_A', 'PASSWORD_VERIFIER']);
  const done = await confirmSignIn({ challengeResponse: answer(res.nextStep.additionalInfo) });
  assert.equal(done.isSignedIn, true);
  const { tokens: t } = await fetchAuthSession();
  await verifyTenant(t.idToken.toString(), t.accessToken.toString());
  const pre = lambda.invocations.filter((i) => i.name === 'PreTokenGeneration').at(-1).event;
  assert.equal(pre.version, '2');
  assert.equal(pre.triggerSource, 'TokenGeneration_Authentication');
});

test('Amplify v6: CUSTOM_WITH_SRP with a wrong password fails', async () => {
  const u = await createConfirmedUser(ctx);
  await assert.rejects(signIn({ username: u.username, password: `${u.password}x`, options: { authFlowType: 'CUSTOM_WITH_SRP' } }),
    { name: 'NotAuthorizedException' });
});

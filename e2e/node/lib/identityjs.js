// amazon-cognito-identity-js, promisified. The library is callback based;
// these helpers turn every sign-in step into a promise of an "outcome":
//
//   { kind: 'success', session, userConfirmationNecessary }
//   { kind: 'newPasswordRequired', userAttributes, requiredAttributes }
//   { kind: 'mfaRequired' | 'totpRequired' | 'mfaSetup' | 'selectMFAType', challengeName, challengeParameters }
//   { kind: 'customChallenge', challengeParameters }
//
// so a test can continue with the next step (completeNewPassword, sendMFACode,
// ...) on the same CognitoUser.
import identity from 'amazon-cognito-identity-js';
import { endpoint as defaultEndpoint } from './env.js';
import { MemoryStorage } from './storage.js';
import { installWireRecorder } from './wire.js';

export const { CognitoUserPool, CognitoUser, AuthenticationDetails, CognitoUserAttribute, CognitoRefreshToken } = identity;

// userPool builds a CognitoUserPool pointed at the server with its own
// in-memory storage.
export function userPool(ctx, { storage = new MemoryStorage(), endpoint = defaultEndpoint } = {}) {
  installWireRecorder();
  return new CognitoUserPool({ UserPoolId: ctx.userPoolId, ClientId: ctx.clientId, endpoint: `${endpoint}/`, Storage: storage });
}

export function cognitoUser(pool, username) {
  return new CognitoUser({ Username: username, Pool: pool, Storage: pool.storage });
}

// outcomeCallbacks resolves with an outcome for every way a sign-in step can end.
function outcomeCallbacks(resolve, reject) {
  return {
    onSuccess: (session, userConfirmationNecessary) => resolve({ kind: 'success', session, userConfirmationNecessary }),
    onFailure: reject,
    newPasswordRequired: (userAttributes, requiredAttributes) => resolve({ kind: 'newPasswordRequired', userAttributes, requiredAttributes }),
    mfaRequired: (challengeName, challengeParameters) => resolve({ kind: 'mfaRequired', challengeName, challengeParameters }),
    totpRequired: (challengeName, challengeParameters) => resolve({ kind: 'totpRequired', challengeName, challengeParameters }),
    mfaSetup: (challengeName, challengeParameters) => resolve({ kind: 'mfaSetup', challengeName, challengeParameters }),
    selectMFAType: (challengeName, challengeParameters) => resolve({ kind: 'selectMFAType', challengeName, challengeParameters }),
    customChallenge: (challengeParameters) => resolve({ kind: 'customChallenge', challengeParameters }),
  };
}

// authenticate signs user in with password. flow is the library's
// authenticationFlowType: USER_SRP_AUTH (the library default) or USER_PASSWORD_AUTH.
export function authenticate(user, password, { flow, clientMetadata } = {}) {
  if (flow) user.setAuthenticationFlowType(flow);
  const details = new AuthenticationDetails({ Username: user.getUsername(), Password: password, ClientMetadata: clientMetadata });
  return new Promise((resolve, reject) => user.authenticateUser(details, outcomeCallbacks(resolve, reject)));
}

// completeNewPassword answers NEW_PASSWORD_REQUIRED.
export function completeNewPassword(user, newPassword, requiredAttributes = {}) {
  return new Promise((resolve, reject) => user.completeNewPasswordChallenge(newPassword, requiredAttributes, outcomeCallbacks(resolve, reject)));
}

// sendMFACode answers SMS_MFA (mfaType omitted) or SOFTWARE_TOKEN_MFA.
export function sendMFACode(user, code, mfaType) {
  return new Promise((resolve, reject) => user.sendMFACode(code, outcomeCallbacks(resolve, reject), mfaType));
}

// sendMFASelectionAnswer answers SELECT_MFA_TYPE with SMS_MFA or SOFTWARE_TOKEN_MFA.
export function sendMFASelectionAnswer(user, answer) {
  return new Promise((resolve, reject) => user.sendMFASelectionAnswer(answer, outcomeCallbacks(resolve, reject)));
}

// nodeback calls a method that takes a final (err, result) callback.
export function nodeback(obj, method, ...args) {
  return new Promise((resolve, reject) =>
    obj[method](...args, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

// callbacks calls a method that takes a final { onSuccess, onFailure } object.
export function callbacks(obj, method, ...args) {
  return new Promise((resolve, reject) => obj[method](...args, { onSuccess: resolve, onFailure: reject }));
}

// signUp registers username through CognitoUserPool.signUp; attributes is {name: value}.
export function signUp(pool, username, password, attributes = {}) {
  const list = Object.entries(attributes).map(([Name, Value]) => new CognitoUserAttribute({ Name, Value }));
  return new Promise((resolve, reject) =>
    pool.signUp(username, password, list, null, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

// tokens returns the three JWT strings of a CognitoUserSession.
export function tokens(session) {
  return {
    idToken: session.getIdToken().getJwtToken(),
    accessToken: session.getAccessToken().getJwtToken(),
    refreshToken: session.getRefreshToken().getToken(),
  };
}

// associateSoftwareToken returns the new TOTP secret. Signed in, it uses the
// access token; in an MFA_SETUP challenge, the session.
export function associateSoftwareToken(user) {
  return new Promise((resolve, reject) => user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }));
}

// verifySoftwareToken verifies a TOTP code. Signed in, it resolves with the
// VerifySoftwareToken output ({Status}); in an MFA_SETUP challenge the library
// goes on to answer MFA_SETUP and resolves with the new CognitoUserSession.
export function verifySoftwareToken(user, code, friendlyDeviceName = 'e2e authenticator') {
  return new Promise((resolve, reject) => user.verifySoftwareToken(code, friendlyDeviceName, { onSuccess: resolve, onFailure: reject }));
}

// Telling "the server has not implemented this yet" apart from a failure.
//
// Operations userpoold does not implement answer
//   {"__type":"UnsupportedOperationException","message":"userpoold does not implement X yet"}
// A test body wrapped in whenImplemented() is skipped, naming the operation,
// only when the server gave exactly that answer during the test; every other
// failure fails the test and prints the AWS JSON exchanges the client
// libraries made, so a server bug can be reported with the exact wire.
import assert from 'node:assert/strict';
import * as wire from './wire.js';

// unsupportedError returns the UnsupportedOperationException inside err (as
// thrown by the SDK v3, amazon-cognito-identity-js or Amplify), or undefined.
export function unsupportedError(err) {
  for (let e = err, depth = 0; e && depth < 5; e = e.underlyingError ?? e.cause ?? e.originalError, depth++) {
    if (e.name === 'UnsupportedOperationException' || e.code === 'UnsupportedOperationException' || e.__type === 'UnsupportedOperationException') {
      return e;
    }
  }
  return undefined;
}

// With USERPOOLD_E2E_STRICT=1 nothing is skipped or todo: an unimplemented operation
// or a notYet feature fails the test like any other error.
const strict = ['1', 'true'].includes(process.env.USERPOOLD_E2E_STRICT ?? '');

// whenImplemented runs fn(t) and skips test t when the server answered
// UnsupportedOperationException (thrown, or swallowed by a library and seen on
// the wire); it returns fn's result, or undefined when skipped.
export async function whenImplemented(t, fn) {
  wire.installWireRecorder();
  const start = wire.mark();
  try {
    return await fn(t);
  } catch (err) {
    const exchanges = wire.since(start);
    let message = unsupportedError(err)?.message;
    if (!message) {
      const ex = exchanges.find((e) => wire.errorType(e) === 'UnsupportedOperationException');
      if (ex) message = `${JSON.parse(ex.response).message} (seen on the wire; the test then failed: ${err.message.split('\n')[0]})`;
    }
    if (message && !strict) {
      t.skip(`server: UnsupportedOperationException: ${message}`);
      return undefined;
    }
    if (exchanges.length) t.diagnostic(`wire exchanges of this test:\n${wire.describe(exchanges)}`);
    throw err;
  }
}

// rejectsWith awaits promise (or calls fn) and asserts it fails with the given
// error name (Cognito exception or Amplify error name) and, if given, the exact
// message. UnsupportedOperationException is re-thrown untouched so that
// whenImplemented can report it. Returns the error.
export async function rejectsWith(promiseOrFn, { name, message }) {
  let err;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${name}${message ? ` "${message}"` : ''}, but the call succeeded`);
  if (unsupportedError(err)) throw err;
  const got = err.code ?? err.name;
  assert.equal(got, name, `error name: got ${got} "${err.message}", want ${name}${message ? ` "${message}"` : ''}`);
  if (message !== undefined) assert.equal(err.message, message, `message of ${name}`);
  return err;
}

// notYet names server features that are missing without an
// UnsupportedOperationException to show it: the operations exist but the
// behaviour does not yet. Tests of such a feature are declared with
// { todo: notYet.<feature> }, so they run and print their failure as TODO
// without failing the run. Delete the entry when the feature lands (a passing
// TODO test is the signal). With USERPOOLD_E2E_STRICT=1 these tests count.
export const notYet = strict ? {} : {
  // feature: 'server: <what is missing, and where>',
  // (signInMfa landed in c95567b, devices in fc2ab18)
};

// Where the server under test is, as run.sh passes it in the environment.
//
//   USERPOOLD_ENDPOINT        base URL, e.g. http://127.0.0.1:43949 (no trailing slash)
//   USERPOOLD_ADMIN_KEY_ID    access key ID the server was started with (--admin-keys ID:SECRET)
//   USERPOOLD_ADMIN_SECRET    its secret
//   USERPOOLD_REGION          region the server presents (default us-east-1)
//   USERPOOLD_BIN             the server binary, for tests that start a second server
//   USERPOOLD_TMP             a scratch directory those servers may use

function required(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run the suite through e2e/node/run.sh, which starts the server`);
  }
  return v;
}

export const endpoint = required('USERPOOLD_ENDPOINT').replace(/\/+$/, '');
export const region = process.env.USERPOOLD_REGION || 'us-east-1';
export const adminCredentials = {
  accessKeyId: required('USERPOOLD_ADMIN_KEY_ID'),
  secretAccessKey: required('USERPOOLD_ADMIN_SECRET'),
};
export const serverBin = process.env.USERPOOLD_BIN || '';
export const scratchDir = process.env.USERPOOLD_TMP || '';

// localIssuer is the iss claim the server writes with --issuer local (the default):
// its own base URL followed by the pool ID.
export function localIssuer(userPoolId, base = endpoint) {
  return `${base}/${userPoolId}`;
}

// What run.sh hands the tests through the environment.
function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite with e2e/browser/run.sh (see README.md)`);
  return v;
}

export const env = {
  // userpoold's endpoint (http://127.0.0.1:PORT).
  get endpoint() { return need('USERPOOLD_ENDPOINT'); },
  // The bundled test pages (build.mjs output).
  get pagesDir() { return need('USERPOOLD_BROWSER_PAGES'); },
  // Where screenshots and other artefacts of this run go.
  get runDir() { return need('USERPOOLD_BROWSER_RUN_DIR'); },
  // The browser binary (Debian's chromium).
  chromium: process.env.USERPOOLD_CHROMIUM || '/usr/bin/chromium',
  // The passkeyserver test binary built from this checkout.
  get passkeyServerBin() { return need('USERPOOLD_PASSKEYSERVER_BIN'); },
  // userpoold's TLS listener (https://127.0.0.1:PORT), whose certificates
  // come from the local CA in USERPOOLD_CA_PEM (what `userpoold ca` prints).
  get tlsEndpoint() { return need('USERPOOLD_TLS_ENDPOINT'); },
  get caPem() { return need('USERPOOLD_CA_PEM'); },
  // The admin key pair the server was started with, and its region.
  get adminCredentials() {
    return { accessKeyId: need('USERPOOLD_ADMIN_KEY_ID'), secretAccessKey: need('USERPOOLD_ADMIN_SECRET') };
  },
  region: process.env.USERPOOLD_REGION || 'us-east-1',
};

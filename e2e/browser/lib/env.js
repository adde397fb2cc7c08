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
};

// Headless Chromium for tests: Debian's chromium driven by playwright-core
// (its own browser downloads cannot work on these machines), with the flags
// a closed network needs and a fresh, throw-away user-data-dir per launch.
import { chromium } from 'playwright-core';
import { mkdtemp, rm, mkdir, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { env } from './env.js';

export const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// launch starts Chromium for test t and closes it (and removes its
// profile) when t ends. It returns the BrowserContext. extraArgs are more
// command-line flags (trustLocalCA gives the one the TLS listener needs).
export async function launch(t, extraArgs = []) {
  const profile = await mkdtemp(join(tmpdir(), 'userpoold-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env.chromium,
    headless: true,
    args: [...chromiumFlags, ...extraArgs],
    viewport: { width: 1000, height: 700 },
  });
  t.after(async () => {
    await context.close().catch(() => {});
    await rm(profile, { recursive: true, force: true });
  });
  return context;
}

// newPage opens a page whose console output and errors are kept; they are
// printed as the test's diagnostics when it fails.
export async function newPage(t, context) {
  const page = await context.newPage();
  const lines = [];
  page.on('console', (m) => lines.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  t.after(() => {
    if (lines.length) t.diagnostic(lines.join('\n'));
  });
  return page;
}

let shots = 0;

// screenshot saves a PNG of page under the run directory
// (screenshots/<test file>-NN-<name>.png) and records its path in
// screenshots.txt, which run.sh prints at the end.
export async function screenshot(page, name) {
  const dir = join(env.runDir, 'screenshots');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${basename(process.argv[1] || 'test', '.test.js')}-${String(++shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await appendFile(join(env.runDir, 'screenshots.txt'), file + '\n');
  return file;
}

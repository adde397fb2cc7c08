// Starts e2e/browser/passkeyserver (built by run.sh) for one test file:
// internal/passkey behind a small JSON API, serving the bundled pages.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { env } from './env.js';

// startPasskeyServer returns { url, stderr } where url is
// http://localhost:PORT (RP ID localhost), and stops the server when t ends.
export async function startPasskeyServer(t, args = []) {
  const child = spawn(env.passkeyServerBin, ['-pages', env.pagesDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = [];
  child.stderr.on('data', (d) => stderr.push(String(d)));
  t.after(() => {
    child.kill('SIGTERM');
    if (stderr.length) t.diagnostic(`passkeyserver log:\n${stderr.join('').slice(-4000)}`);
  });
  const line = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`passkeyserver exited with ${code}: ${stderr.join('')}`)));
  });
  const { listening } = JSON.parse(line);
  const port = listening.split(':').pop();
  return { url: `http://localhost:${port}`, stderr };
}

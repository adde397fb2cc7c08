// Starting an extra userpoold for tests that need different flags (for
// example --issuer aws). run.sh starts the main server; this uses the binary
// it built (USERPOOLD_BIN).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { serverBin, scratchDir, adminCredentials } from './env.js';

// startServer starts the binary on a free loopback port with a fresh data
// directory and the suite's admin key; it resolves once /health answers 200
// with { endpoint, stop(), log() }.
export async function startServer(extraArgs = [], { bin = serverBin, timeoutMs = 20000 } = {}) {
  if (!bin) throw new Error('USERPOOLD_BIN is not set: run the suite through e2e/node/run.sh');
  const dir = mkdtempSync(join(scratchDir || tmpdir(), 'userpoold-extra-'));
  const args = [
    '--addr', '127.0.0.1:0', '--data', join(dir, 'data'), '--password-hashing', 'fast',
    '--admin-keys', `${adminCredentials.accessKeyId}:${adminCredentials.secretAccessKey}`,
    '--log-format', 'json', ...extraArgs,
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b) => { output += b; });
  child.stderr.on('data', (b) => { output += b; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  try {
    let addr;
    while (!addr) {
      if (child.exitCode !== null) throw new Error(`userpoold exited with ${child.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`userpoold did not start within ${timeoutMs} ms:\n${output}`);
      addr = output.match(/"msg":"userpoold listening","addr":"([^"]+)"/)?.[1];
      if (!addr) await new Promise((r) => setTimeout(r, 50));
    }
    const endpoint = `http://${addr}`;
    for (;;) {
      const ok = await fetch(`${endpoint}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${endpoint}/health did not answer 200:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { endpoint, stop, log: () => output };
  } catch (err) {
    await stop();
    throw err;
  }
}

// Bundles every test page under pages/<name>/ (main.js plus index.html)
// into OUTDIR/<name>/ with esbuild: node build.mjs OUTDIR
import * as esbuild from 'esbuild';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUTDIR');
  process.exit(2);
}
const here = new URL('.', import.meta.url).pathname;
const pages = join(here, 'pages');
for (const name of await readdir(pages)) {
  const entry = join(pages, name, 'main.js');
  if (!existsSync(entry)) continue; // pages/shared holds modules, not a page
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: 'chrome120',
    sourcemap: 'inline',
    outfile: join(out, name, 'main.js'),
    logLevel: 'warning',
  });
  await mkdir(join(out, name), { recursive: true });
  await copyFile(join(pages, name, 'index.html'), join(out, name, 'index.html'));
}

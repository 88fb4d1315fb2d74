#!/usr/bin/env node
// Runs the compiled build (dist/, `npm run build`) when there is one and it is not older than the
// sources; otherwise the TypeScript sources through tsx, so a fresh clone needs no build step. A
// production install (`npm ci --omit=dev` + dist/) has no tsx and never loads it.
// FIREBREAK_SOURCES=1 always runs the sources.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/cli.js', import.meta.url);
const srcDir = fileURLToPath(new URL('../src/', import.meta.url));

/** True when a file under src/ changed after the build started (an edit not yet compiled). */
function sourcesNewerThanBuild() {
  let builtAt;
  try {
    builtAt = JSON.parse(readFileSync(new URL('../dist/build-info.json', import.meta.url), 'utf8')).builtAt;
  } catch {
    return true; // a dist/ without its stamp was not made by `npm run build`
  }
  if (!existsSync(srcDir)) return false;
  for (const entry of readdirSync(srcDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(`${entry.parentPath}/${entry.name}`).mtimeMs > builtAt) return true;
  }
  return false;
}

async function runSources() {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error('firebreak: there is no compiled build (dist/) and no tsx to run the sources: run `npm run build`, or `npm ci` with dev dependencies.');
    process.exit(1);
  }
  register();
  await import('../src/cli.ts');
}

const wantSources = process.env.FIREBREAK_SOURCES === '1';
if (!wantSources && existsSync(dist) && (!sourcesNewerThanBuild() || !existsSync(new URL('../node_modules/tsx/', import.meta.url)))) {
  await import(dist.href);
} else {
  await runSources();
}

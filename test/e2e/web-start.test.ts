import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';

const BIN = resolve('bin/firebreak.js');

/**
 * The pages from `firebreak start` run in another directory, as a user runs it: the .tsx pages must
 * compile the same there (tsx reads tsconfig.json only from the working directory, so the JSX
 * settings live in each file's pragmas). The sources, through tsx, even when `npm test` has built
 * dist/ first (FIREBREAK_SOURCES=1): that is the path this is about.
 */
describe('firebreak start serves the pages from any working directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-web-start-'));
  const env = { PATH: process.env.PATH ?? '', HOME: dir, LOG_LEVEL: 'warn', FIREBREAK_DATA_DIR: join(dir, 'data'), PORT: '0', FIREBREAK_SOURCES: '1' };
  let server: ReturnType<typeof execa>;
  let base = '';

  beforeAll(async () => {
    writeFileSync(join(dir, 'firebreak.yml'), 'services:\n  api: {}\nweb:\n  status_page:\n    enabled: true\n    components:\n      api: { name: Checkout API }\n');
    server = execa('node', [BIN, 'start'], { cwd: dir, env, extendEnv: false, reject: false });
    let output = '';
    server.stderr?.on('data', (d: Buffer) => void (output += d.toString()));
    server.stdout?.on('data', (d: Buffer) => void (output += d.toString()));
    base = await waitFor(() => /Firebreak is running on (http:\/\/\S+?) /.exec(output)?.[1], 100_000, 'firebreak start to come up');
  }, 120_000);
  afterAll(async () => {
    server?.kill('SIGTERM');
    await server;
    rmSync(dir, { recursive: true, force: true });
  });

  it('the status page renders, and a private page without a signature is a 403 page', async () => {
    const status = await fetch(`${base}/status`);
    expect(status.status).toBe(200);
    expect(await status.text()).toContain('Checkout API');
    const denied = await fetch(`${base}/incidents`);
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('This link is not signed');
  }, 60_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve('bin/firebreak.js');

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe('with REDIS_URL set and Redis down (the moment people run /health)', () => {
  let dir: string;
  let redisUrl: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-redis-down-'));
    redisUrl = `redis://127.0.0.1:${await closedPort()}`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('firebreak run "/health" still answers, with the cache marked down, and exits 1', async () => {
    const r = await execa('node', [BIN, 'run', '/health', '--as', 'alice'], {
      cwd: dir,
      reject: false,
      timeout: 60_000,
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '', FIREBREAK_DATA_DIR: join(dir, 'data'), REDIS_URL: redisUrl, LOG_LEVEL: 'error' },
    });
    expect(r.exitCode).toBe(1);
    expect(String(r.stdout)).toMatch(/Health — 1 of 2 checks OK/);
    expect(String(r.stdout)).toMatch(/✅ firebreak-store/);
    expect(String(r.stdout)).toMatch(/❌ cache +redis/);
    // The start-up problem is one log line naming Redis, not a crash.
    expect(String(r.stderr)).toContain('Redis is unreachable');
    expect(String(r.stderr)).not.toMatch(/\n\s+at /);
  });
});

import { readRuntimeEnv, type RuntimeEnv } from '../../src/config/env.js';
import { parseConfigText, type LoadedConfig } from '../../src/config/load.js';
import { buildApp, type App } from '../../src/main.js';
import type { Logger } from '../../src/core/ports.js';
import { borrowStore } from './store-pool.js';
import type { Db } from '../../src/store/db.js';
import type { Actor, ChannelRef } from '../../src/core/identity.js';

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A config from YAML text, as a user would write it. */
export function configFrom(yaml: string, env: NodeJS.ProcessEnv = {}): LoadedConfig {
  return parseConfigText(yaml, 'test.yml', env);
}

export function testRuntime(overrides: Partial<RuntimeEnv> = {}): RuntimeEnv {
  return { ...readRuntimeEnv({}), logLevel: 'silent', ...overrides };
}

/**
 * An app on a fresh in-memory PGlite borrowed from this process's pool (or a given Db), with
 * in-process coordination unless REDIS_URL is given. `close()` gives the store back, reset.
 */
export async function testApp(yaml: string, opts: { db?: Db; runtime?: Partial<RuntimeEnv>; env?: NodeJS.ProcessEnv } = {}): Promise<App & { db: Db }> {
  const db = opts.db ?? (await borrowStore());
  let app: App;
  try {
    app = await buildApp(testRuntime(opts.runtime), configFrom(yaml, opts.env), { db, logger: silentLogger, defaultMetrics: false });
  } catch (err) {
    // A config a test expects to be refused must not keep the borrowed store from the next test.
    if (!opts.db) await db.close();
    throw err;
  }
  return {
    ...app,
    async close() {
      await app.close();
      if (!opts.db) await db.close();
    },
  };
}

export const alice: Actor = { platform: 'console', id: 'alice', name: 'alice' };
export const bob: Actor = { platform: 'console', id: 'bob', name: 'bob' };
export const mallory: Actor = { platform: 'console', id: 'mallory', name: 'mallory' };
export const consoleChan: ChannelRef = { platform: 'console', id: 'console', name: 'console' };

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runtimeEnvSchema } from '../../src/config/env.js';

// docker-compose.yml cannot run here (no Docker daemon): its structure is checked, and the files it
// mounts are checked with the tools that read them (Firebreak's config check, amtool).
type Service = {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }> | string[];
};
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const firebreaks = Object.entries(compose.services).filter(([name]) => name.startsWith('firebreak-'));
const mounted = (s: Service, inContainer: string) => resolve(s.volumes!.find((v) => v.split(':')[1] === inContainer)!.split(':')[0]!);
/** Compose's ${VAR:-default} with nothing set in the shell: the default. */
const composeDefault = (v: string) => v.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

describe('docker-compose.yml', () => {
  it('runs two Firebreak replicas from the Dockerfile, PostgreSQL, Redis and Alertmanager', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['alertmanager', 'firebreak-1', 'firebreak-2', 'postgres', 'redis']);
    for (const [, s] of firebreaks) {
      expect(s.build).toBe('.');
      expect(s.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    }
    expect(firebreaks.map(([, s]) => s.ports)).toEqual([['3000:3000'], ['3001:3000']]);
  });

  it('sets only variables Firebreak reads (src/config/env.ts) or its firebreak.yml interpolates', () => {
    for (const [, s] of firebreaks) {
      const config = readFileSync(mounted(s, s.environment!.FIREBREAK_CONFIG!), 'utf8');
      const interpolated = [...config.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]);
      const known = new Set([...Object.keys(runtimeEnvSchema.shape), ...interpolated]);
      expect(Object.keys(s.environment!).filter((k) => !known.has(k))).toEqual([]);
      expect(s.environment!.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(s.environment!.REDIS_URL).toBe('redis://redis:6379');
      // The same link secret on every replica, long enough for Firebreak to accept.
      expect(runtimeEnvSchema.safeParse(Object.fromEntries(Object.entries(s.environment!).map(([k, v]) => [k, composeDefault(v)]))).success).toBe(true);
    }
  });

  it('gives each replica the time its drain needs before it is killed', () => {
    for (const [, s] of firebreaks) {
      const config = readFileSync(mounted(s, s.environment!.FIREBREAK_CONFIG!), 'utf8');
      const grace = Number(/grace_s:\s*(\d+)/.exec(config)![1]);
      expect(Number(s.stop_grace_period!.replace(/s$/, ''))).toBeGreaterThanOrEqual(grace + 10);
    }
  });

  it("Firebreak's firebreak.yml passes `firebreak config check` with the compose environment", async () => {
    const [, s] = firebreaks[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-compose-'));
    try {
      const env = Object.fromEntries(Object.entries(s.environment!).map(([k, v]) => [k, composeDefault(v)]));
      const r = await execa('node', [resolve('bin/firebreak.js'), 'config', 'check', mounted(s, env.FIREBREAK_CONFIG!)], {
        cwd: dir,
        reject: false,
        extendEnv: false,
        env: { PATH: process.env.PATH ?? '', ...env },
        timeout: 60_000,
      });
      expect(r.exitCode, `${String(r.stdout)}${String(r.stderr)}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it("Alertmanager's config is valid (amtool) and routes every alert to both replicas with Firebreak's token", async () => {
    const am = compose.services.alertmanager!;
    const file = mounted(am, '/etc/alertmanager/alertmanager.yml');
    const check = await execa('amtool', ['check-config', file], { reject: false });
    expect(check.exitCode, String(check.stdout) + String(check.stderr)).toBe(0);
    const cfg = parse(readFileSync(file, 'utf8')) as {
      route: { receiver: string; routes?: unknown[] };
      receivers: { name: string; webhook_configs: { url: string; http_config: { authorization: { credentials: string } } }[] }[];
    };
    expect(cfg.route.routes).toBeUndefined(); // no sub-route can send an alert elsewhere
    const receiver = cfg.receivers.find((r) => r.name === cfg.route.receiver)!;
    expect(receiver.webhook_configs.map((w) => w.url)).toEqual(firebreaks.map(([name]) => `http://${name}:3000/webhooks/alertmanager`));
    const token = composeDefault(firebreaks[0]![1].environment!.ALERTS_TOKEN!);
    for (const w of receiver.webhook_configs) expect(w.http_config.authorization.credentials).toBe(token);
  });
});

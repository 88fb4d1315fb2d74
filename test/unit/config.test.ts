import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtInDefaultConfig, ConfigError, parseConfigText } from '../../src/config/load.js';
import { readRuntimeEnv } from '../../src/config/env.js';
import { scheduleFor } from '../../src/scheduler/backup-scheduler.js';

function problems(yaml: string, env: NodeJS.ProcessEnv = {}): { path: string; message: string }[] {
  try {
    parseConfigText(yaml, 'test.yml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('config unexpectedly valid');
}

describe('config validation', () => {
  const table: { name: string; yaml: string; env?: NodeJS.ProcessEnv; expected: { path: string | RegExp; message: RegExp | string }[] }[] = [
    {
      name: 'replicas max below min',
      yaml: 'services:\n  api:\n    deploy: { kind: kubernetes, namespace: conduit, deployment: conduit-api }\n    replicas: { min: 2, max: 1 }',
      expected: [{ path: 'services.api.replicas.max', message: 'must be ≥ min (2)' }],
    },
    {
      name: 'unknown key',
      yaml: 'services:\n  api:\n    helth: { type: http, url: "http://x" }',
      expected: [{ path: 'services.api.helth', message: 'unknown key; did you mean health?' }],
    },
    {
      name: 'bad URL in an http check',
      yaml: 'datastores:\n  ch: { type: http, url: "not a url" }',
      expected: [{ path: 'datastores.ch.url', message: /URL/i }],
    },
    {
      name: 'unknown check type',
      yaml: 'datastores:\n  ch: { type: mysql, url: "x" }',
      expected: [{ path: 'datastores.ch.type', message: 'must be one of: http, postgres, redis, tcp, tls, json, command' }],
    },
    {
      name: 'missing environment variable',
      yaml: 'datastores:\n  cache: { type: redis, url: "${REDIS_URL}" }',
      expected: [{ path: 'datastores.cache.url', message: 'environment variable REDIS_URL is not set' }],
    },
    {
      name: 'service name with shell characters',
      yaml: 'services:\n  "api;rm":\n    description: x',
      expected: [{ path: 'services.api;rm', message: /^name must be lowercase letters/ }],
    },
    {
      name: 'port out of range',
      yaml: 'datastores:\n  db: { type: tcp, host: h, port: 70000 }',
      expected: [{ path: 'datastores.db.port', message: /65535/ }],
    },
    {
      name: 'service action that does not exist',
      yaml: 'services:\n  api:\n    actions: [nope]',
      expected: [{ path: 'services.api.actions[0]', message: 'unknown action "nope"' }],
    },
    {
      name: 'scalable service without replica bounds',
      yaml: 'services:\n  api:\n    deploy: { kind: kubernetes, namespace: conduit, deployment: conduit-api }',
      expected: [{ path: 'services.api.replicas', message: /required to allow scaling/ }],
    },
    {
      name: 'datastore named like a service',
      yaml: 'services:\n  api: {}\ndatastores:\n  api: { type: tcp, host: h, port: 1 }',
      expected: [{ path: 'datastores.api', message: 'name is already used by services.api' }],
    },
    {
      name: 'a typo in a commands template placeholder',
      yaml: 'services:\n  litellm:\n    deploy: { kind: commands, scale: [railway, scale, "{service}", "--replicas={replica}"] }\n    replicas: { min: 1, max: 4 }',
      expected: [{ path: 'services.litellm.deploy.scale[3]', message: 'uses {replica}; scale templates may use {service}, {replicas}' }],
    },
    {
      name: 'a revision in a restart template',
      yaml: 'services:\n  litellm:\n    deploy: { kind: commands, restart: [railway, restart, "{revision}"] }',
      expected: [{ path: 'services.litellm.deploy.restart[2]', message: 'uses {revision}; restart templates may use {service}' }],
    },
    {
      name: 'a role member without a platform',
      yaml: 'roles:\n  responders: [alice]',
      expected: [{ path: 'roles.responders[0]', message: /^"alice" is not a member: write "\*", slack:MEMBER_ID/ }],
    },
    {
      name: 'a Slack member named by display name',
      yaml: 'roles:\n  responders: ["slack:alice"]',
      expected: [{ path: 'roles.responders[0]', message: /Slack members are named by member id/ }],
    },
    {
      name: 'an action needing a role nobody defined',
      yaml: 'actions:\n  purge:\n    role: dbas\n    argv: [purge]',
      expected: [{ path: 'actions.purge.role', message: 'role "dbas" is not defined under roles' }],
    },
    { name: 'a misspelt top-level key', yaml: 'servics: {}', expected: [{ path: 'servics', message: 'unknown key; did you mean services?' }] },
    { name: 'a misspelt key inside a record of unions', yaml: 'datastores:\n  c: { type: redis, url: "redis://h", timout_ms: 100 }', expected: [{ path: 'datastores.c.timout_ms', message: 'unknown key; did you mean timeout_ms?' }] },
    { name: 'an unknown key like no known one', yaml: 'services:\n  api:\n    zzzzzz: 1', expected: [{ path: 'services.api.zzzzzz', message: 'unknown key' }] },
    { name: 'an ftp:// URL in an http check', yaml: 'services:\n  api:\n    health: { type: http, url: "ftp://files.example.com/health" }', expected: [{ path: 'services.api.health.url', message: 'must be an http:// or https:// URL' }] },
  ];

  it('backups.schedule: off is accepted at the top level (docs/backups.md), leaving only targets with their own schedule', () => {
    const loaded = parseConfigText('backups:\n  destination: { dir: /tmp/b }\n  schedule: off\n  targets:\n    a: { type: command, argv: [echo], extension: txt }\n    b: { type: command, argv: [echo], extension: txt, schedule: "0 4 * * *" }', 't.yml', {});
    expect(loaded.config.backups.schedule).toBe('off');
    expect(scheduleFor(loaded.config, 'a')).toBeUndefined();
    expect(scheduleFor(loaded.config, 'b')).toBe('0 4 * * *');
  });

  it.each(table)('$name → path and message', ({ yaml, env, expected }) => {
    const got = problems(yaml, env);
    for (const e of expected) {
      expect(got).toContainEqual({ path: e.path instanceof RegExp ? expect.stringMatching(e.path) : e.path, message: typeof e.message === 'string' ? e.message : expect.stringMatching(e.message) });
    }
  });

  it('a YAML syntax error keeps the whole message, the line and the caret, at file:line:col', () => {
    let error: unknown;
    try {
      parseConfigText('services:\n  api:\n    image: x: y\n', 'firebreak.yml', {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('firebreak.yml:3:12: Nested mappings are not allowed in compact mappings\n      image: x: y\n             ^');
    expect((error as ConfigError).problems).toEqual([
      { path: 'line 3, column 12', message: 'Nested mappings are not allowed in compact mappings', at: { line: 3, col: 12, excerpt: '    image: x: y\n           ^' } },
    ]);
  });

  it('an unclosed flow sequence: the message, the line and the caret', () => {
    let error: unknown;
    try {
      parseConfigText('services: [unclosed', 'f.yml', {});
    } catch (err) {
      error = err;
    }
    expect((error as ConfigError).message).toMatch(/^f\.yml:1:20: Flow sequence in block collection must be sufficiently indented and end with a \]\n  services: \[unclosed\n {21}\^/);
  });

  it('lists every problem at once, not just the first', () => {
    const got = problems(`
services:
  api:
    deploy: { kind: kubernetes, namespace: conduit, deployment: conduit-api }
    replicas: { min: 5, max: 3 }
datastores:
  cache: { type: redis, url: "\${NOPE}" }
  web: { type: tcp, host: h, port: 0 }
`);
    expect(got.map((p) => p.path)).toEqual(expect.arrayContaining(['services.api.replicas.max', 'datastores.cache.url', 'datastores.web.port']));
  });

  it('interpolates ${VAR} in values without letting the value change the YAML structure', () => {
    const loaded = parseConfigText('datastores:\n  cache: { type: redis, url: "${R}" }', 't.yml', { R: 'redis://:p#ss: word@h:6379' });
    expect(loaded.config.datastores.cache).toMatchObject({ url: 'redis://:p#ss: word@h:6379' });
    expect(loaded.secrets).toContain('redis://:p#ss: word@h:6379');
  });

  it('returns a frozen object', () => {
    const loaded = parseConfigText('services:\n  api: {}', 't.yml', {});
    expect(Object.isFrozen(loaded.config.services)).toBe(true);
  });

  it('${VAR:-default} is the default when VAR is unset or empty, and a default is no secret', () => {
    const yaml = 'datastores:\n  app: { type: postgres, url: "${APP_DB:-postgres://127.0.0.1:5432/app}" }\n';
    for (const env of [{}, { APP_DB: '' }]) {
      const loaded = parseConfigText(yaml, 't.yml', env);
      expect(loaded.config.datastores.app).toMatchObject({ url: 'postgres://127.0.0.1:5432/app' });
      expect(loaded.secrets).toEqual([]);
    }
    const set = parseConfigText(yaml, 't.yml', { APP_DB: 'postgres://app:Zk81-pass@db:5432/app' });
    expect(set.config.datastores.app).toMatchObject({ url: 'postgres://app:Zk81-pass@db:5432/app' });
    expect(set.secrets).toEqual(['Zk81-pass']);
  });

  it('a variable used only where the config names people is an identity, not a secret to mask', () => {
    const yaml = 'roles:\n  responders: ["console:${USER}"]\ndatastores:\n  web: { type: tcp, host: "${HOST}", port: 80 }\n';
    const loaded = parseConfigText(yaml, 't.yml', { USER: 'alice', HOST: 'web-internal' });
    expect(loaded.config.roles.responders).toEqual(['console:alice']);
    expect(loaded.secrets).toEqual(['web-internal']);
    // Used elsewhere too, it is masked as before.
    expect(parseConfigText(yaml.replace('${HOST}', '${USER}'), 't.yml', { USER: 'alice' }).secrets).toEqual(['alice']);
  });

  it('the example config runs locally as shipped: the console user holds both roles, its app database is not Firebreak\'s own', () => {
    const text = readFileSync('firebreak.example.yml', 'utf8');
    // With nothing set, only the credentials are missing (docs/configuration.md lists them).
    expect(problems(text, {}).map((p) => /environment variable (\S+) is not set/.exec(p.message)?.[1]).sort()).toEqual(
      ['ALERTS_TOKEN', 'CONDUIT_MASTER_KEY', 'CONDUIT_MASTER_KEY', 'CONDUIT_MASTER_KEY', 'GITHUB_TOKEN', 'LITELLM_DB_PASSWORD', 'LITELLM_MASTER_KEY', 'LITELLM_MASTER_KEY', 'PAGERDUTY_ROUTING_KEY', 'RAILWAY_TOKEN'],
    );
    const credentials = { RAILWAY_TOKEN: '-', CONDUIT_MASTER_KEY: '-', LITELLM_MASTER_KEY: '-', LITELLM_DB_PASSWORD: '-', PAGERDUTY_ROUTING_KEY: '-', GITHUB_TOKEN: '-', ALERTS_TOKEN: '0123456789abcdef' };
    const { config, secrets } = parseConfigText(text, 'firebreak.example.yml', { ...credentials, USER: 'alice' });
    expect(config.roles.responders).toContain('console:alice');
    expect(config.roles.admins).toContain('console:alice');
    expect(config.console.allow_as).toBe(true);
    expect(secrets).not.toContain('alice');
    expect(config.datastores.postgres).toMatchObject({ url: 'postgres://postgres@127.0.0.1:5432/postgres' });
    expect(config.backups.targets.postgres).toMatchObject({ url: 'postgres://postgres@127.0.0.1:5432/postgres' });
    expect(config.datastores.cache).toMatchObject({ url: 'redis://127.0.0.1:6379' });
    expect(config.backups.destination).toMatchObject({ dir: './.firebreak/backups' });
    const urls = Object.values(config.actions).flatMap((a) => (a.http ? [a.http.url] : []));
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    // Without USER (some containers), the console user is root's.
    expect(parseConfigText(text, 'firebreak.example.yml', credentials).config.roles.admins).toContain('console:root');
  });

  it('the example config loads whenever its variables are set (URLs to URLs of the right scheme)', () => {
    const text = readFileSync('firebreak.example.yml', 'utf8');
    const vars = [...new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!))];
    const env = Object.fromEntries(vars.map((v) => [v, v.endsWith('_URL') ? (v.startsWith('REDIS') ? 'redis://cache:6379' : 'postgres://u:p@db:5432/app') : 'value-of-' + v]));
    const loaded = parseConfigText(text, 'firebreak.example.yml', env);
    expect(Object.keys(loaded.config.services)).toEqual(expect.arrayContaining(['api', 'litellm']));
  });

  it('without a file, the default checks the store (and Redis when set) and gives the console user every role', () => {
    const d = builtInDefaultConfig(readRuntimeEnv({ REDIS_URL: 'redis://127.0.0.1:6379' }), 'alice');
    expect(Object.keys(d.config.datastores)).toEqual(['firebreak-store', 'cache']);
    expect(d.config.roles).toEqual({ responders: ['console:alice'], admins: ['console:alice'] });
    expect(Object.keys(builtInDefaultConfig(readRuntimeEnv({}), 'alice').config.datastores)).toEqual(['firebreak-store']);
  });
});

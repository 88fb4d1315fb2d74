import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { parseJsonPath, readJsonPath } from '../../src/config/json-path.js';
import { configProblems } from '../support/config-problems.js';

const problems = configProblems;

describe('tls, json and command health checks in the config', () => {
  it.each([
    ['an unknown type', 'datastores:\n  x: { type: https, host: a }', 'datastores.x.type', 'must be one of: http, postgres, redis, tcp, tls, json, command'],
    ['a tls check without a host', 'datastores:\n  x: { type: tls, port: 443 }', 'datastores.x.host', /expected string/i],
    ['a tls check with a typo', 'datastores:\n  x: { type: tls, host: a, warn_day: 3 }', 'datastores.x.warn_day', 'unknown key; did you mean warn_days?'],
    ['insecure with a ca_file', 'datastores:\n  x: { type: tls, host: a, insecure: true, ca_file: /ca.pem }', 'datastores.x.ca_file', /has no effect with insecure: true/],
    ['a json path without a dot', 'datastores:\n  x: { type: json, url: "http://a/health", path: healthy_count, min: 1 }', 'datastores.x.path', 'must start with "." (as in jq), e.g. ".healthy_count"'],
    ['a json path jq pipes', 'datastores:\n  x: { type: json, url: "http://a/health", path: ".a | length", min: 1 }', 'datastores.x.path', /cannot be read at character 3/],
    ['a json check comparing with nothing', 'datastores:\n  x: { type: json, url: "http://a/health", path: .a }', 'datastores.x', 'needs equals, min or max: what the field is compared with'],
    ['a json check with equals and min', 'datastores:\n  x: { type: json, url: "http://a/health", path: .a, equals: ok, min: 1 }', 'datastores.x.equals', 'cannot be combined with min or max'],
    ['a command check with max below min', 'datastores:\n  x: { type: command, argv: [lag], min: 5, max: 1 }', 'datastores.x.max', 'must be ≥ min (5)'],
    ['a command check without argv', 'datastores:\n  x: { type: command, expect_exit: [0] }', 'datastores.x.argv', /expected array/i],
    ['a command check with an empty argv', 'datastores:\n  x: { type: command, argv: [] }', 'datastores.x.argv', /too small|at least 1/i],
  ])('refuses %s', (_name, yaml, path, message) => {
    const got = problems(yaml);
    expect(got).toContainEqual({ path, message: typeof message === 'string' ? message : expect.stringMatching(message) });
  });

  it('fills the defaults: port 443, warn 14 days, verified; exit 0 expected', () => {
    const { config } = parseConfigText(
      'datastores:\n  cert: { type: tls, host: api.example.com }\n  pg: { type: command, argv: [pg_isready, -h, db] }\n  llm: { type: json, url: "http://a/health", path: .healthy_count, min: 2 }',
      't.yml',
      {},
    );
    expect(config.datastores.cert).toEqual({ type: 'tls', host: 'api.example.com', port: 443, warn_days: 14, insecure: false, timeout_ms: 5000 });
    expect(config.datastores.pg).toEqual({ type: 'command', argv: ['pg_isready', '-h', 'db'], expect_exit: [0], env: {}, timeout_ms: 5000 });
    expect(config.datastores.llm).toMatchObject({ type: 'json', path: '.healthy_count', min: 2, expect_status: 200 });
  });
});

describe('the json check path reader', () => {
  const doc = { healthy_count: 2, services: { litellm: { status: 'healthy' } }, list: [{ a: 1 }], 'x-ray': { 'a.b': true }, nothing: null };
  const read = (path: string) => {
    const p = parseJsonPath(path);
    if (!p.ok) throw new Error(p.error);
    return readJsonPath(doc, p.segments);
  };

  it('reads keys, indexes and quoted keys as jq would', () => {
    expect(read('.healthy_count')).toEqual({ found: true, value: 2 });
    expect(read('.services.litellm.status')).toEqual({ found: true, value: 'healthy' });
    expect(read('.list[0].a')).toEqual({ found: true, value: 1 });
    expect(read('.list.[0].a')).toEqual({ found: true, value: 1 });
    expect(read('.x-ray["a.b"]')).toEqual({ found: true, value: true });
    expect(read('.nothing')).toEqual({ found: true, value: null });
    expect(read('.')).toEqual({ found: true, value: doc });
  });

  it('says not found rather than reading through the wrong type or past the end', () => {
    expect(read('.missing')).toEqual({ found: false });
    expect(read('.list[1]')).toEqual({ found: false });
    expect(read('.services[0]')).toEqual({ found: false });
    expect(read('.list.a')).toEqual({ found: false });
    expect(read('.healthy_count.x')).toEqual({ found: false });
    // Inherited properties are not fields of the document.
    expect(read('.services.constructor')).toEqual({ found: false });
  });

  it('refuses what it cannot read', () => {
    for (const bad of ['', 'a', '..a', '.a.', '.1a', '.a[-1]', '.a[x]', '.a[]', '.a[0', '.[\'a\']', '[0]', '["a"]']) expect(parseJsonPath(bad).ok, bad).toBe(false);
  });
});

describe('the documented health checks', () => {
  it('the example in docs/configuration.md loads', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    const section = doc.slice(doc.indexOf('## Health checks'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const { config } = parseConfigText(yaml, 'docs/configuration.md', { LITELLM_MASTER_KEY: 'lk-123456' });
    expect(Object.fromEntries(Object.entries(config.datastores).map(([k, v]) => [k, v.type]))).toEqual({ 'api-cert': 'tls', 'health-monitor': 'json', 'litellm-endpoints': 'json', timescaledb: 'command', 'kafka-lag': 'command' });
  });

  it('the commented-out checks in firebreak.example.yml load once uncommented', () => {
    const lines = readFileSync('firebreak.example.yml', 'utf8').split('\n');
    const first = lines.findIndex((l) => l.startsWith('  # tls, json and command checks'));
    const block: string[] = [];
    for (const l of lines.slice(first + 1)) {
      if (!l.startsWith('  # ')) break;
      block.push(`  ${l.slice(4)}`);
    }
    const { config } = parseConfigText(`datastores:\n${block.join('\n')}\n`, 'firebreak.example.yml', {});
    expect(Object.keys(config.datastores)).toEqual(['api-cert', 'health-monitor', 'timescaledb', 'kafka-lag']);
  });
});

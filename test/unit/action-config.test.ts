import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { ConfiguredActionRunner } from '../../src/integrations/actions/action-runner.js';
import { applyOutputFilters, compileOutputFilters } from '../../src/core/output-filters.js';
import { fillHttpRequest, UnsafeParamError } from '../../src/integrations/actions/fill-action.js';
import { configProblems } from '../support/config-problems.js';

const problems = configProblems;

describe('actions: config checked at load time', () => {
  const table: { name: string; yaml: string; path: string; message: string | RegExp }[] = [
    {
      name: 'placeholder in the URL that is not a param',
      yaml: 'actions:\n  reset-circuit:\n    http: { url: "https://admin.example.com/providers/{provider}/reset" }',
      path: 'actions.reset-circuit.http.url',
      message: 'uses {provider}, which is not a declared param',
    },
    {
      name: 'placeholder in argv that is not a param',
      yaml: 'actions:\n  flush:\n    params: { n: { type: int, min: 1, max: 3 } }\n    argv: [tool, "--n={n}", "--region={region}"]',
      path: 'actions.flush.argv[2]',
      message: 'uses {region}, which is not a declared param',
    },
    {
      name: 'placeholder in a header',
      yaml: 'actions:\n  a:\n    http: { url: "https://x.example.com/", headers: { X-Tenant: "{tenant}" } }',
      path: 'actions.a.http.headers.X-Tenant',
      message: 'uses {tenant}, which is not a declared param',
    },
    {
      name: 'placeholder deep in the body',
      yaml: 'actions:\n  a:\n    params: { m: { type: enum, values: [x] } }\n    http: { url: "https://x.example.com/", body: { model: "{m}", tags: [ok, "{tag}"] } }',
      path: 'actions.a.http.body.tags[1]',
      message: 'uses {tag}, which is not a declared param',
    },
    {
      name: 'GET with a body',
      yaml: 'actions:\n  a:\n    http: { method: GET, url: "https://x.example.com/", body: { a: 1 } }',
      path: 'actions.a.http.body',
      message: 'a GET request cannot have a body; use POST, PUT, PATCH or DELETE',
    },
    {
      name: 'header name with a space',
      yaml: 'actions:\n  a:\n    http: { url: "https://x.example.com/", headers: { "X Key": v } }',
      path: 'actions.a.http.headers.X Key',
      message: 'is not a valid HTTP header name',
    },
    {
      name: 'int bounds reversed',
      yaml: 'actions:\n  a:\n    params: { n: { type: int, min: 5, max: 1 } }\n    argv: [tool, "{n}"]',
      path: 'actions.a.params.n.max',
      message: 'must be ≥ min (5)',
    },
    {
      name: 'pattern that is not a regular expression',
      yaml: 'actions:\n  a:\n    params: { s: { type: string, pattern: "[a-z" } }\n    argv: [tool, "{s}"]',
      path: 'actions.a.params.s.pattern',
      message: /^is not a valid regular expression/,
    },
    {
      name: 'URL that is not http(s)',
      yaml: 'actions:\n  a:\n    http: { url: "file:///etc/passwd" }',
      path: 'actions.a.http.url',
      message: 'must be an http:// or https:// URL',
    },
    {
      name: 'both argv and http',
      yaml: 'actions:\n  a:\n    argv: [tool]\n    http: { url: "https://x.example.com/" }',
      path: 'actions.a',
      message: 'needs exactly one of argv or http',
    },
    {
      name: 'neither argv nor http',
      yaml: 'actions:\n  a:\n    description: nothing to run',
      path: 'actions.a',
      message: 'needs exactly one of argv or http',
    },
    {
      name: 'param name a placeholder cannot refer to',
      yaml: 'actions:\n  a:\n    params: { 2fa: { type: string, pattern: "[0-9]{6}" } }\n    argv: [tool]',
      path: 'actions.a.params.2fa',
      message: /must start with a letter/,
    },
    {
      name: 'unknown param type',
      yaml: 'actions:\n  a:\n    params: { f: { type: float } }\n    argv: [tool]',
      path: 'actions.a.params.f.type',
      message: 'must be one of: enum, int, string, bool',
    },
  ];

  it.each(table)('$name → $path', ({ yaml, path, message }) => {
    expect(problems(yaml)).toContainEqual({ path, message: typeof message === 'string' ? message : expect.stringMatching(message) });
  });

  it('a placeholder that names a declared param is fine', () => {
    const loaded = parseConfigText('actions:\n  a:\n    params: { provider: { type: enum, values: [openai] } }\n    http: { url: "https://x.example.com/p/{provider}" }', 't.yml', {});
    expect(Object.keys(loaded.config.actions)).toEqual(['a']);
  });
});

describe('HTTP action URLs: dot segments', () => {
  const { config } = parseConfigText(
    'actions:\n  a:\n    params: { x: { type: string, pattern: "[.a-z]+" }, y: { type: string, pattern: "[.a-z]+", required: false } }\n    http: { url: "https://x.example.com/v1/{x}{y}/go?m={x}#{y}" }',
    't.yml',
    {},
  );
  const a = config.actions.a!;

  it('refuses a path segment that two values make "..", naming both', () => {
    expect(() => fillHttpRequest(a, { x: '.', y: '.' })).toThrow(new UnsafeParamError('x and y must not together make "." or ".." (in the URL\'s path that would send the request to another endpoint); nothing was sent.'));
    expect(() => fillHttpRequest(a, { x: '..' })).toThrow(/^x must not be "\." or "\.\."/);
  });

  it('leaves dots alone where they cannot move the path', () => {
    expect(fillHttpRequest(a, { x: 'a', y: '..' }).url).toBe('https://x.example.com/v1/a../go?m=a#..');
    expect(fillHttpRequest(a, { x: '...' }).url).toBe('https://x.example.com/v1/.../go?m=...#');
  });
});

describe('the example config’s runbook actions', () => {
  const text = readFileSync('firebreak.example.yml', 'utf8');
  const vars = [...new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!))];
  const env = Object.fromEntries(vars.map((v) => [v, v.endsWith('_URL') ? (v.startsWith('REDIS') ? 'redis://cache:6379' : 'postgres://u:p@db:5432/app') : 'value-of-' + v]));
  const { config } = parseConfigText(text, 'firebreak.example.yml', env);
  const runner = new ConfiguredActionRunner();

  it('routes runbook 001’s Alert Response Matrix to cards with its fixes as buttons', () => {
    const byAlert = Object.fromEntries(config.alerts.routes.map((r) => [r.match.alertname ?? r.match_re.alertname, { severity: r.severity, actions: r.actions.map((a) => a.split(' ')[0]) }]));
    expect(byAlert).toEqual({
      ProviderDown: { severity: 'critical', actions: ['disable-provider', 'reset-circuit'] },
      HighErrorRate: { severity: 'high', actions: ['switch-fallback-model'] },
      DatabaseConnectionPoolExhausted: { severity: 'high', actions: ['kill-idle-connections'] },
      HighMemoryUsage: { severity: 'medium', actions: ['flush-cache'] },
      'DiskUsageHigh|CertificateExpiring': { severity: 'low', actions: [] },
    });
    expect(config.alerts.escalation.map((s) => [s.after_min, s.pagerduty])).toEqual([[5, false], [15, true]]);
  });

  it('loads with its variables set and has the runbooks’ fixes', () => {
    expect(Object.keys(config.actions)).toEqual(expect.arrayContaining(['reset-circuit', 'disable-provider', 'switch-fallback-model', 'kill-idle-connections']));
  });

  it('fills them into the requests and commands the runbooks show', () => {
    const reset = config.actions['reset-circuit']!;
    // As shipped the API is a local stand-in (CONDUIT_API_URL unset: its default).
    expect(runner.describe({ name: 'reset-circuit', action: reset, values: { provider: 'openai' } })).toEqual(['POST', 'http://127.0.0.1:8080/api/admin/providers/openai/reset-circuit']);
    expect(fillHttpRequest(reset, { provider: 'openai' }).headers).toEqual({ 'X-Master-Key': 'value-of-CONDUIT_MASTER_KEY' });
    const sw = fillHttpRequest(config.actions['switch-fallback-model']!, { alias: 'gpt-4o', target: 'gpt-4o-mini' });
    expect(JSON.parse(sw.body!)).toEqual({ model_name: 'gpt-4o', litellm_params: { model: 'gpt-4o-mini' } });
    const kill = runner.describe({ name: 'kill-idle-connections', action: config.actions['kill-idle-connections']!, values: { idle_minutes: 60 } });
    expect(config.actions['kill-idle-connections']!.env).toEqual({ PGPASSWORD: 'value-of-LITELLM_DB_PASSWORD' });
    expect(kill).toEqual(['psql', 'postgres://litellm@litellm-db:5432/litellm', '-c', "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle' AND state_change < now() - interval '60 minutes'"]);
  });
});

describe('the example config’s read-only diagnosis (runbook 002)', () => {
  it('groups the error lines of kubectl logs by type, most frequent first', () => {
    const text = readFileSync('firebreak.example.yml', 'utf8');
    const env = Object.fromEntries([...new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!))].map((v) => [v, v.endsWith('_URL') ? (v.startsWith('REDIS') ? 'redis://cache:6379' : 'postgres://u:p@db:5432/app') : `value-of-${v}`]));
    const action = parseConfigText(text, 'firebreak.example.yml', env).config.actions['langgraph-errors']!;
    expect(action).toMatchObject({ read_only: true, confirm: false, role: null });
    const logs = [
      '2026-12-07 10:00:01 langgraph[1] ERROR upstream timeout provider=openai',
      '2026-12-07 10:00:02 langgraph[1] INFO request ok',
      '2026-12-07 10:00:03 langgraph[2] ERROR db pool exhausted',
      '2026-12-07 10:00:04 langgraph[1] ERROR upstream timeout provider=openai',
    ].join('\n');
    expect(applyOutputFilters(logs, compileOutputFilters(action.output))).toBe('2 upstream timeout provider=openai\n1 db pool exhausted');
  });
});

describe('the custom actions example in docs/configuration.md', () => {
  it('is a config that loads and fills as documented', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    const section = doc.slice(doc.indexOf('## Custom actions'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const env = { CONDUIT_MASTER_KEY: 'mk-123456', LITELLM_MASTER_KEY: 'lk-123456', LITELLM_DB_PASSWORD: 'pw-123456' };
    const { config } = parseConfigText(yaml, 'docs/configuration.md', env);
    const sw = fillHttpRequest(config.actions['switch-fallback-model']!, { alias: 'gpt-4o', target: 'claude-3-5-haiku' });
    expect(JSON.parse(sw.body!)).toEqual({ model_name: 'gpt-4o', litellm_params: { model: 'claude-3-5-haiku' } });
    expect(JSON.parse(fillHttpRequest(config.actions['switch-fallback-model']!, { alias: 'a', weight: 7, target: 'gpt-4o-mini' }).body!)).toMatchObject({ weight: 7 });
  });
});

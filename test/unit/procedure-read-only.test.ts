import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { parseConfigText } from '../../src/config/load.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { describeNotReadOnly, notReadOnlySteps } from '../../src/procedures/read-only.js';

const registry = new CommandRegistry(commands);

describe('notReadOnlySteps: which steps keep a procedure from running unattended', () => {
  const { config } = parseConfigText(
    `
services:
  litellm:
    deploy: { kind: commands, scale: ["railway", "scale", "{service}", "{replicas}"] }
    replicas: { min: 1, max: 4 }
    health: { type: tcp, host: 127.0.0.1, port: 4000 }
actions:
  grep-logs: { read_only: true, argv: [grep, -c, ERROR, /var/log/app.log], expect_exit: [0, 1] }
  flush-cache: { argv: [redis-cli, FLUSHDB] }
procedures:
  diagnose:
    description: reads only
    steps:
      - check: litellm
      - wait: { until: litellm }
      - run: "/status litellm"
      - run: "/health"
      - run: "/run grep-logs"
      - run: "/run GREP-LOGS"
  mixed:
    description: reads, then changes
    params:
      action: {}
    steps:
      - check: litellm
      - { name: cache, run: "/run flush-cache" }
      - run: "/scale litellm 2"
      - approve: "OK?"
      - manual: "Dashboard → Pause"
      - run: "/run {action}"
      - run: "/backup list"
    on_failure:
      - run: "/scale litellm 1"
`,
    'test.yml',
    {},
  );

  it('is empty for checks, waits, non-mutating commands and read_only actions', () => {
    expect(notReadOnlySteps(config.procedures.diagnose!, config, registry)).toEqual([]);
  });

  it('names every other step with its list, position, name, command and why', () => {
    const found = notReadOnlySteps(config.procedures.mixed!, config, registry);
    expect(found.map(describeNotReadOnly)).toEqual([
      'step 2 "cache" (/run flush-cache): action flush-cache is not read_only',
      'step 3 (/scale litellm 2): /scale changes things',
      'step 4 (approve: OK?): waits for a person to approve',
      'step 5 (manual: Dashboard → Pause): is done by a person',
      'step 6 (/run {action}): the action is chosen by a param, so it may be any action',
      'step 7 (/backup list): /backup changes things',
      'on_failure step 1 (/scale litellm 1): /scale changes things',
    ]);
    expect(found[0]).toEqual({ list: 'steps', index: 1, name: 'cache', what: '/run flush-cache', why: 'action flush-cache is not read_only' });
  });

  it('tells the examples’ read-only procedures from the others', () => {
    const text = readFileSync('examples/000-litellm-langfuse-railway.yml', 'utf8');
    const env = Object.fromEntries([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => [m[1]!, 'stand-in-value-0123456789']));
    const example = parseConfigText(text, '000.yml', env).config;
    const readOnly = Object.entries(example.procedures).filter(([, p]) => notReadOnlySteps(p, example, registry).length === 0).map(([name]) => name);
    expect(readOnly).toEqual(['daily-health-check', 'weekly-alert-review']);
  });
});

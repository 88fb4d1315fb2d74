import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { checkProcedureCommands, procedureScheduleNotes } from '../../src/app/procedure-commands.js';

const base = `
services:
  litellm:
    deploy: { kind: commands, scale: ["railway", "scale", "{service}", "{replicas}"] }
    replicas: { min: 1, max: 4 }
    health: { type: tcp, host: 127.0.0.1, port: 4000 }
datastores:
  db: { type: tcp, host: 127.0.0.1, port: 5432 }
procedures:
`;

function problems(procedures: string): { path: string; message: string }[] {
  try {
    parseConfigText(base + procedures, 'test.yml', {});
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => ({ path: p.path, message: p.message }));
    throw err;
  }
  return [];
}

describe('procedures: in the config', () => {
  it('accepts a whole procedure, each step kind with its options', () => {
    const cfg = parseConfigText(
      `${base}  restore:
    description: Scale to 0, restore, scale up, verify
    params:
      replicas: { pattern: "[1-4]", default: "2" }
    steps:
      - { name: stop, run: "/scale litellm 0", below_min: true, retries: 2, timeout_s: 60 }
      - approve: "Smoke tests green?"
      - manual: "Railway dashboard → litellm → Pause"
      - { run: "/scale litellm {replicas}", continue_on_failure: true }
      - wait: { until: litellm, timeout_s: 120, every_s: 5 }
      - check: db
    on_failure:
      - run: "/scale litellm 1"
`,
      'test.yml',
      {},
    );
    const p = cfg.config.procedures.restore!;
    expect(p.role).toBe('responders');
    expect(p.steps.map((s) => Object.keys(s).filter((k) => ['run', 'check', 'wait', 'approve', 'manual'].includes(k)))).toEqual([['run'], ['approve'], ['manual'], ['run'], ['wait'], ['check']]);
    expect(p.steps[0]).toMatchObject({ below_min: true, retries: 2, timeout_s: 60 });
  });

  it('lists every problem with its path: bad steps, unknown checks and services, undeclared params, roles', () => {
    const found = problems(`  broken:
    description: Everything wrong at once
    role: nobody
    steps:
      - { run: "/scale litellm 0", check: db }
      - { name: "does nothing" }
      - check: nosuch
      - wait: { until: alsonot }
      - run: "/scale ghost 2"
      - run: "/scale litellm {count}"
      - { approve: "ok?", below_min: true }
      - run: "scale litellm 2"
    on_failure:
      - manual: "call someone"
`);
    expect(found).toEqual(
      expect.arrayContaining([
        { path: 'procedures.broken.steps[0]', message: 'does one thing: it has run and check' },
        { path: 'procedures.broken.steps[1]', message: 'needs one of run, check, wait, approve or manual' },
        { path: 'procedures.broken.steps[5].run', message: 'uses {count}, which is not a declared param' },
        { path: 'procedures.broken.steps[6].below_min', message: 'is only for a run: "/scale …" step' },
        { path: 'procedures.broken.steps[7].run', message: 'must be a chat command starting with "/"' },
        { path: 'procedures.broken.on_failure[0]', message: 'on_failure steps run unattended: use run, check or wait' },
      ]),
    );
  });

  it('names unknown checks, services and roles once the procedure itself is well-formed', () => {
    const found = problems(`  refs:
    description: Names things that do not exist
    role: nobody
    steps:
      - check: nosuch
      - wait: { until: alsonot }
      - run: "/scale ghost 2"
`);
    expect(found).toEqual([
      { path: 'procedures.refs.role', message: 'role "nobody" is not defined under roles' },
      { path: 'procedures.refs.steps[0].check', message: '"nosuch" is not a health check (services.NAME.health or datastores.NAME); known: litellm, db' },
      { path: 'procedures.refs.steps[1].wait', message: '"alsonot" is not a health check (services.NAME.health or datastores.NAME); known: litellm, db' },
      { path: 'procedures.refs.steps[2].run', message: '"ghost" is not a service with a deploy config' },
    ]);
  });

  it('needs a description and at least one step', () => {
    expect(problems('  empty: { steps: [] }\n').map((p) => p.path)).toEqual(expect.arrayContaining(['procedures.empty.description', 'procedures.empty.steps']));
  });

  it('checks at load that every run step names a command Firebreak has', () => {
    const loaded = parseConfigText(
      `${base}  typos:
    description: Names commands that do not exist
    steps:
      - run: "/scael litellm 0"
      - run: "/procedure typos"
    on_failure:
      - run: "/scale litellm 1"
`,
      'test.yml',
      {},
    );
    let err: unknown;
    try {
      checkProcedureCommands(loaded);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      { path: 'procedures.typos.steps[0].run', message: 'there is no command /scael. Did you mean /scale?' },
      { path: 'procedures.typos.steps[1].run', message: 'a procedure cannot run another procedure' },
    ]);
  });

  it('schedule: a cron expression, refused with its path when it is not one; a scheduled procedure needs defaults for its params', () => {
    const ok = parseConfigText(`${base}  daily:\n    description: Daily check\n    schedule: "0 3 * * *"\n    steps:\n      - check: db\n`, 'test.yml', {});
    expect(ok.config.procedures.daily!.schedule).toBe('0 3 * * *');
    const found = problems(`  bad-cron:
    description: Never due
    schedule: "61 * * * *"
    steps:
      - check: db
  words:
    description: Not cron at all
    schedule: "every day"
    steps:
      - check: db
  needs-param:
    description: Cannot be filled unattended
    schedule: "0 3 * * *"
    params:
      replicas: { pattern: "[1-4]" }
      fine: { pattern: "[a-z]+", default: "x" }
    steps:
      - run: "/scale litellm {replicas}"
`);
    const cronHelp = 'is not a valid cron expression: write 5 fields (minute hour day month weekday), e.g. "0 3 * * *" for 03:00 UTC every day';
    expect(found).toEqual([
      { path: 'procedures.bad-cron.schedule', message: cronHelp },
      { path: 'procedures.words.schedule', message: cronHelp },
      { path: 'procedures.needs-param.params.replicas', message: "has no default, but the procedure has a schedule and runs with its params' defaults: give replicas a default" },
    ]);
  });

  it('config check says which step keeps a scheduled procedure from running unattended', () => {
    const loaded = parseConfigText(
      `${base.replace('procedures:', `actions:
  disk-usage: { read_only: true, argv: ["df", "-h"] }
  flush: { argv: ["redis-cli", "FLUSHALL"] }
procedures:`)}  daily-check:
    description: Only looks
    schedule: "0 3 * * *"
    steps:
      - check: db
      - wait: { until: litellm }
      - run: "/health"
      - run: "/run disk-usage"
    on_failure:
      - run: "/status litellm"
  nightly-restart:
    description: Changes things
    schedule: "0 4 * * *"
    steps:
      - check: db
      - run: "/scale litellm 2"
  flush-weekly:
    description: A mutating action in on_failure
    schedule: "0 5 * * 1"
    steps:
      - check: db
    on_failure:
      - run: "/run flush"
  asks:
    description: A gate
    schedule: "0 6 * * *"
    steps:
      - approve: "ok?"
  unscheduled:
    description: Changes things, but no schedule
    steps:
      - run: "/scale litellm 2"
`,
      'test.yml',
      {},
    );
    expect(procedureScheduleNotes(loaded)).toEqual([
      "procedure nightly-restart's step 2 (/scale litellm 2) is not read-only (/scale changes things), so its schedule (0 4 * * *) posts a confirmation card in #incidents for a person to confirm instead of running it.",
      "procedure flush-weekly's on_failure step 1 (/run flush) is not read-only (action flush is not read_only), so its schedule (0 5 * * 1) posts a confirmation card in #incidents for a person to confirm instead of running it.",
      "procedure asks's step 1 (approve: ok?) is not read-only (waits for a person to approve), so its schedule (0 6 * * *) posts a confirmation card in #incidents for a person to confirm instead of running it.",
    ]);
  });
});

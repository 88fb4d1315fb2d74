import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapChildren } from '../support/children.js';
import { openPglite } from '../../src/store/pglite-db.js';
import { waitFor } from '../support/wait.js';

const BIN = resolve('bin/firebreak.js');
/**
 * One CLI child opens the embedded store: seconds when the machine is quiet, 30+ s beside other busy
 * processes. A child is given CHILD_MS; a test the sum over the children it waits for.
 */
const CHILD_MS = 60_000;
const forChildren = (n: number) => n * CHILD_MS + 10_000;
// A child left by a timed-out test would still hold the data dir's lock when the next test's child
// starts (it then exits 1, "in use by process …"): every test's children are killed after it.
const children = reapChildren();

/** Runs the real CLI as a child process in a scratch directory with no config file. */
function firebreak(args: string[], dir: string, env: Record<string, string> = {}) {
  return children.track(
    execa('node', [BIN, ...args], {
      cwd: dir,
      reject: false,
      timeout: CHILD_MS,
      env: { FIREBREAK_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', ...env },
      extendEnv: false,
    }),
  ).then((r) => ({ code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }));
}

async function timelineRows(dir: string): Promise<{ kind: string; text: string | null; outcome: string | null; actor_id: string }[]> {
  const db = await openPglite(join(dir, 'data', 'pgdata'));
  try {
    return await db.query('SELECT kind, text, outcome, actor_id FROM timeline_events ORDER BY id');
  } finally {
    await db.close();
  }
}

describe('firebreak CLI (child process, embedded store, no config)', { timeout: forChildren(3) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-cli-'));

  it('run "/health" prints the card from real checks and exits 0', async () => {
    const r = await firebreak(['run', '/health', '--as', 'alice'], dir, { PATH: process.env.PATH ?? '' });
    // The first run in this directory created the store, and says where.
    expect(r.stderr).toBe(`Created a new, empty embedded store in ${join(dir, 'data')} (FIREBREAK_DATA_DIR; default ./.firebreak in the current directory).`);
    expect(r.stdout).toMatch(/^Health — 1 of 1 check OK \(checked in \d+ ms\)\n  ✅ firebreak-store   postgres   \d+ ms   embedded \((.+)\)\n/);
    // The store row names the data dir: a run from another directory would show another one.
    expect(/embedded \((.+)\)\n/.exec(r.stdout)?.[1]).toBe(join(dir, 'data'));
    expect(r.code).toBe(0);
  });

  it('a second run on the same store says nothing about creating it', async () => {
    const own = mkdtempSync(join(tmpdir(), 'firebreak-cli-second-'));
    const first = await firebreak(['run', '/health'], own, { PATH: process.env.PATH ?? '' });
    expect(first.stderr).toContain('Created a new, empty embedded store in');
    const r = await firebreak(['run', '/health'], own, { PATH: process.env.PATH ?? '' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, forChildren(2));

  it.each([
    ['empty text', '', 'Empty command: type /help to see the commands.'],
    ['unknown command', '/frobnicate', 'Unknown command /frobnicate. Commands: /health'],
    ['unbalanced quotes', '/health "api', 'Unbalanced double quote: close the quoted text.'],
    ['10 KB of text', `/health ${'a'.repeat(10_240)}`, 'Command is 10248 characters long; the limit is 2000.'],
    ['control characters', '/health \u0007\u001b[31m', 'Command contains control characters; type it as plain text.'],
    ['too many arguments', '/health a b', 'Too many arguments for /health: "b". Usage: /health [SERVICE]'],
  ])('%s → one clear sentence, exit 2', async (_name, text, message) => {
    const r = await firebreak(['run', text, '--as', 'alice'], dir, { PATH: process.env.PATH ?? '' });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(message);
    expect(r.stdout).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });

  it('a failing check exits 1', async () => {
    const cfgDir = mkdtempSync(join(tmpdir(), 'firebreak-cli-cfg-'));
    writeFileSync(join(cfgDir, 'firebreak.yml'), 'services:\n  api:\n    health: { type: tcp, host: 127.0.0.1, port: 9, timeout_ms: 500 }\n');
    const r = await firebreak(['run', '/health'], cfgDir, { PATH: process.env.PATH ?? '' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('❌ Health — 0 of 1 check OK');
    expect(r.stdout).toContain('api   tcp   connection refused   127.0.0.1:9');
  });

  it('records one timeline row per invocation, with who and what', async () => {
    const rows = await timelineRows(dir);
    // 1 health + 6 bad inputs
    expect(rows).toHaveLength(7);
    expect(rows[0]).toMatchObject({ kind: 'command', text: '/health', outcome: 'ok', actor_id: 'alice' });
    expect(rows.slice(1).every((r) => r.kind === 'command.invalid' && r.outcome === 'invalid')).toBe(true);
  });

  it('--as with no name is one clear sentence, exit 2, before anything runs', async () => {
    const r = await firebreak(['run', '/health', '--as', ''], dir, { PATH: process.env.PATH ?? '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('--as needs a user name, e.g. --as alice.');
    expect(r.stdout).toBe('');
  });

  it('an unknown option is one sentence naming it, exit 2', async () => {
    const r = await firebreak(['run', '/health', '--bogus'], dir, { PATH: process.env.PATH ?? '' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('Unknown option --bogus; firebreak --help lists the commands and their options.');
  });

  it('config check lists every problem with its path and exits 2', async () => {
    const cfgDir = mkdtempSync(join(tmpdir(), 'firebreak-cli-cfg-'));
    writeFileSync(join(cfgDir, 'firebreak.yml'), 'services:\n  api:\n    deploy: { kind: kubernetes, namespace: conduit, deployment: api }\n    replicas: { min: 2, max: 1 }\ndatastores:\n  cache: { type: redis, url: "${REDIS_URL}" }\n');
    const r = await firebreak(['config', 'check'], cfgDir, { PATH: process.env.PATH ?? '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('firebreak.yml: 2 problems:');
    expect(r.stderr).toContain('services.api.replicas.max: must be ≥ min (2)');
    expect(r.stderr).toContain('datastores.cache.url: environment variable REDIS_URL is not set');
    const ok = await firebreak(['config', 'check'], dir, { PATH: process.env.PATH ?? '' });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('built-in default: OK');
  });
});

describe('commands that need no store load no store and no SDK', { timeout: forChildren(3) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-cli-light-'));
  // Records every module the CLI process resolves (test/support/record-imports.mjs).
  async function loadedModules(args: string[], env: Record<string, string> = {}) {
    const file = join(mkdtempSync(join(tmpdir(), 'firebreak-imports-')), 'imports.txt');
    const r = await firebreak(args, dir, { PATH: process.env.PATH ?? '', NODE_OPTIONS: `--import ${resolve('test/support/record-imports.mjs')}`, RECORD_IMPORTS_FILE: file, ...env });
    return { ...r, modules: existsSync(file) ? readFileSync(file, 'utf8') : '' };
  }
  const HEAVY = /\/(src|dist)\/main\.[tj]s|@electric-sql\/pglite|\/(src|dist)\/store\/pglite-db|@aws-sdk|@slack\/bolt|discord\.js|node_modules\/pg\/|ioredis|pino/;

  it.each([[['--help']], [['config', 'check']], [['run', '/help']]])('firebreak %j loads none of the store, chat SDKs or AWS', async (args) => {
    const r = await loadedModules(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.modules).toMatch(/\/src\/cli\.ts|\/dist\/cli\.js/); // the recorder saw the CLI load (sources, or the build when there is one)
    expect(r.modules.split('\n').filter((m) => HEAVY.test(m))).toEqual([]);
  });

  it('run "/health" on the embedded store loads no S3, Redis or PostgreSQL driver', async () => {
    const own = mkdtempSync(join(tmpdir(), 'firebreak-cli-drivers-'));
    const file = join(own, 'imports.txt');
    const r = await firebreak(['run', '/health'], own, { PATH: process.env.PATH ?? '', NODE_OPTIONS: `--import ${resolve('test/support/record-imports.mjs')}`, RECORD_IMPORTS_FILE: file });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('embedded (');
    const modules = readFileSync(file, 'utf8').split('\n');
    expect(modules.some((m) => /\/store\/pglite-db\.[tj]s/.test(m))).toBe(true); // the recorder saw the store open
    expect(modules.filter((m) => /@aws-sdk|ioredis|node_modules\/pg\//.test(m))).toEqual([]);
  });

  it('config check works with FIREBREAK_DATA_DIR where nothing can be written', async () => {
    const r = await firebreak(['config', 'check'], dir, { FIREBREAK_DATA_DIR: '/proc/firebreak-cannot-write-here' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('OK');
  });

  it('run "/help" and "/help health" answer without creating the data dir', async () => {
    const r = await firebreak(['run', '/help'], dir, { PATH: process.env.PATH ?? '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Firebreak commands\n(.|\n)*\/health \[SERVICE\]/);
    const one = await firebreak(['run', '/help health'], dir, { PATH: process.env.PATH ?? '' });
    expect(one.stdout).toContain('Usage: /health [SERVICE]');
    const unknown = await firebreak(['run', '/help frob'], dir, { PATH: process.env.PATH ?? '' });
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('There is no /frob.');
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});

describe('firebreak run: progress and result of an operation with output', { timeout: forChildren(3) }, () => {
  it('prints each progress state once on stderr, and the output as an indented block on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-cli-progress-'));
    const script = "for (const l of ['Restarting litellm', 'deployment 42 live', 'done']) console.log(l)";
    writeFileSync(join(dir, 'firebreak.yml'), `console:\n  allow_as: true\nroles:\n  responders: ["console:alice"]\nservices:\n  litellm:\n    deploy: { kind: commands, restart: [node, -e, "${script}"] }\n`);
    const r = await firebreak(['run', '/restart litellm', '--as', 'alice', '--yes'], dir, { PATH: process.env.PATH ?? '' });
    expect(r.code).toBe(0);
    const [created, ...progress] = r.stderr.split('\n');
    expect(created).toMatch(/^Created a new, empty embedded store in /); // a fresh directory
    expect(progress).toEqual(['… Running: Restart litellm?', '… Restarting litellm…']);
    expect(r.stdout).toMatch(/^litellm restarted in [\d.]+ m?s\n {4}Restarting litellm\n {4}deployment 42 live\n {4}done\n {2}node -e /);
    expect(r.stdout).not.toContain('$ ');
  });
});

describe('firebreak config check FILE', { timeout: forChildren(3) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-cli-check-'));
  const env = { PATH: process.env.PATH ?? '' };

  it('checks the named file, not the default, and says which file it checked', async () => {
    writeFileSync(join(dir, 'staging.yml'), 'services:\n  api: {}\n  web: {}\n');
    const ok = await firebreak(['config', 'check', 'staging.yml'], dir, env);
    expect(ok.stdout).toBe('staging.yml: OK — 2 services, 0 datastores, 0 actions, 0 roles');
    expect(ok.code).toBe(0);

    writeFileSync(join(dir, 'broken.yml'), 'services:\n  api:\n    helth: {}\n');
    const bad = await firebreak(['config', 'check', 'broken.yml'], dir, env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('broken.yml: 1 problem:\n  services.api.helth: unknown key; did you mean health?');
  });

  it('counts in the singular where there is one, and warns when no roles are defined', async () => {
    writeFileSync(join(dir, 'one.yml'), 'services:\n  api: {}\nroles:\n  responders: ["*"]\n');
    const one = await firebreak(['config', 'check', 'one.yml'], dir, env);
    expect(one.stdout).toBe('one.yml: OK — 1 service, 0 datastores, 0 actions, 1 role');
    expect(one.stderr).toBe('');
    writeFileSync(join(dir, 'empty.yml'), '');
    const empty = await firebreak(['config', 'check', 'empty.yml'], dir, env);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('empty.yml: OK — 0 services, 0 datastores, 0 actions, 0 roles');
    expect(empty.stderr).toBe('Warning: no roles are defined, so nobody can run commands that change things (roles: responders, admins; see docs/configuration.md).');
  });

  it('scheduled procedures: a bad cron is refused with its path; one that will only post a card gets a note naming the step', async () => {
    const svc = 'roles:\n  responders: ["*"]\nservices:\n  litellm:\n    deploy: { kind: commands, scale: [echo, "{replicas}"] }\n    replicas: { min: 1, max: 4 }\n    health: { type: tcp, host: 127.0.0.1, port: 4000 }\n';
    writeFileSync(join(dir, 'cron.yml'), `${svc}procedures:\n  daily:\n    description: Daily\n    schedule: "0 25 * * *"\n    steps:\n      - check: litellm\n`);
    const bad = await firebreak(['config', 'check', 'cron.yml'], dir, env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('cron.yml: 1 problem:\n  procedures.daily.schedule: is not a valid cron expression: write 5 fields (minute hour day month weekday), e.g. "0 3 * * *" for 03:00 UTC every day');
    writeFileSync(
      join(dir, 'scheduled.yml'),
      `${svc}procedures:\n  daily:\n    description: Only looks\n    schedule: "0 3 * * *"\n    steps:\n      - check: litellm\n      - run: "/health"\n  nightly:\n    description: Changes things\n    schedule: "0 4 * * *"\n    steps:\n      - check: litellm\n      - run: "/scale litellm 2"\n`,
    );
    const ok = await firebreak(['config', 'check', 'scheduled.yml'], dir, env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(
      "scheduled.yml: OK — 1 service, 0 datastores, 0 actions, 1 role\nNote: procedure nightly's step 2 (/scale litellm 2) is not read-only (/scale changes things), so its schedule (0 4 * * *) posts a confirmation card in #incidents for a person to confirm instead of running it.",
    );
  });

  it('a YAML syntax error prints the place, the message, the line and a caret', async () => {
    writeFileSync(join(dir, 'typo.yml'), 'services:\n  api:\n    image: x: y\n');
    const r = await firebreak(['config', 'check', 'typo.yml'], dir, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('typo.yml:3:12: Nested mappings are not allowed in compact mappings\n      image: x: y\n             ^');
  });

  it('a named file that does not exist is an error (exit 2), not the built-in default', async () => {
    const r = await firebreak(['config', 'check', 'nope.yml'], dir, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('nope.yml: 1 problem:\n  (file): the file does not exist');
    expect(r.stdout).toBe('');
  });
});

describe('firebreak start: start-up errors say what to do', { timeout: forChildren(3) }, () => {
  it('a taken port: one line naming the port and PORT, nonzero exit, no stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-port-'));
    // Taken on every address, as another service on the port would be.
    const other = createServer();
    await new Promise<void>((r) => other.listen(0, r));
    const port = (other.address() as AddressInfo).port;
    try {
      const r = await firebreak(['start'], dir, { PORT: String(port), PATH: process.env.PATH ?? '' });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`Firebreak cannot start: port ${port} is already in use; stop the other process or set PORT to a free port.`);
    } finally {
      other.close();
    }
  });

  it.each([
    ['PORT=abc', { PORT: 'abc' }, 'PORT must be a port number (1–65535), got "abc".'],
    ['PORT=70000', { PORT: '70000' }, 'PORT must be a port number (1–65535), got "70000".'],
    ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud".'],
  ])('%s exits 2 with one sentence', async (_name, env, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-env-'));
    const r = await firebreak(['start'], dir, { ...env, PATH: process.env.PATH ?? '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(message);
  });
});

describe('firebreak start while a firebreak console holds the embedded store', { timeout: forChildren(3) }, () => {
  it('fails with one line naming the console as the holder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-cli-console-lock-'));
    const env = { FIREBREAK_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '', PORT: '0' };
    // Tracked too: a timed-out test must not leave the console holding the store.
    const consoleProc = children.track(execa('node', [BIN, 'console'], { cwd: dir, env, extendEnv: false, reject: false, stdin: 'pipe' }));
    try {
      // Collected, not matched per chunk: the line may arrive split in two.
      let stdoutText1 = '';
      consoleProc.stdout?.on('data', (d: Buffer) => {
        stdoutText1 += d.toString();
      });
      await waitFor(() => stdoutText1.includes('Firebreak console as'), 60_000, 'firebreak console to open');
      const r = await firebreak(['start'], dir, { PATH: process.env.PATH ?? '', PORT: '0' });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`in use by process ${consoleProc.pid} \\(firebreak console\\); stop it`));
    } finally {
      consoleProc.stdin?.end('exit\n');
      await consoleProc;
    }
  }, 60_000 + forChildren(2));
});

describe('firebreak run while firebreak start holds the embedded store', { timeout: forChildren(3) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-remote-'));
  let server: ReturnType<typeof execa>;

  beforeAll(async () => {
    server = execa('node', [BIN, 'start'], { cwd: dir, env: { FIREBREAK_DATA_DIR: join(dir, 'data'), PORT: '0', LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '' }, extendEnv: false, reject: false });
    // Collected, not matched per chunk: the line may arrive split in two.
    let stderrText2 = '';
    server.stderr?.on('data', (d: Buffer) => {
      stderrText2 += d.toString();
    });
    await waitFor(() => stderrText2.includes('Firebreak is running'), 90_000, 'firebreak start to come up');
  }, 120_000);
  afterAll(async () => {
    server.kill('SIGTERM');
    await server;
  });

  it('sends the command to the server instead of failing on the lock', async () => {
    const r = await firebreak(['run', '/health', '--as', 'carol'], dir, { PATH: process.env.PATH ?? '' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✅ firebreak-store');
    const bad = await firebreak(['run', '/nope', '--as', 'carol'], dir, { PATH: process.env.PATH ?? '' });
    expect(bad.code).toBe(2);
  });

  // Same sentences and exit codes as in-process (the table above), not "server refused the command (HTTP 400)".
  it.each([
    ['text over 20,000 characters', `/health ${'a'.repeat(25_000)}`, 'Command is 25008 characters long; the limit is 2000.'],
    ['empty text', '', 'Empty command: type /help to see the commands.'],
  ])('forwarded bad input: %s → the parser\'s sentence, exit 2', async (_name, text, message) => {
    const r = await firebreak(['run', text, '--as', 'carol'], dir, { PATH: process.env.PATH ?? '' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(message);
    expect(r.code).toBe(2);
  });

  it('forwarded --as with no name: the same sentence and exit code as in-process', async () => {
    const r = await firebreak(['run', '/health', '--as', ''], dir, { PATH: process.env.PATH ?? '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('--as needs a user name, e.g. --as alice.');
  });

  it('forwarded --incident reaches the server: an incident it does not have is refused, exit 2, nothing run', async () => {
    const r = await firebreak(['run', '/health', '--as', 'carol', '--incident', 'INC-5'], dir, { PATH: process.env.PATH ?? '' });
    expect(r.stdout).toContain('There is no incident INC-5, so nothing was run.');
    expect(r.code).toBe(2);
  });

  it('the server recorded every forwarded invocation, bad input included', async () => {
    server.kill('SIGTERM');
    await server;
    const rows = await timelineRows(dir);
    expect(rows.map((r) => [r.kind, r.outcome, r.actor_id])).toEqual([
      ['command', 'ok', 'carol'],
      ['command.invalid', 'invalid', 'carol'],
      ['command.invalid', 'invalid', 'carol'],
      ['command.invalid', 'invalid', 'carol'],
      // --incident INC-5, which the server does not have.
      ['command.invalid', 'invalid', 'carol'],
    ]);
  });
});

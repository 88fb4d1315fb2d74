import { describe, expect, it } from 'vitest';
import { failureLine } from '../../src/integrations/commands/failure-line.js';
import { describeArgvFailure, runArgv, type ArgvResult } from '../../src/integrations/commands/run-argv.js';
import { fillArgv, TemplateError } from '../../src/integrations/commands/fill-argv.js';

describe('runArgv', () => {
  it('passes hostile text as one literal argument, never through a shell', async () => {
    const r = await runArgv(['printf', '%s', 'api; rm -rf / $(id) `id`'], { timeoutMs: 5000 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('api; rm -rf / $(id) `id`');
  });

  it('reports a missing program, a failing one and a timeout in one sentence each', async () => {
    const missing = await runArgv(['definitely-not-a-program-xyz'], { timeoutMs: 5000 });
    expect(describeArgvFailure(missing, 5000)).toBe('definitely-not-a-program-xyz is not installed on the Firebreak host (or not on its PATH).');
    const failing = await runArgv(['sh', '-c', 'echo boom >&2; exit 3'], { timeoutMs: 5000 });
    expect(failing.exitCode).toBe(3);
    expect(describeArgvFailure(failing, 5000)).toBe('sh exited with code 3: boom');
    const slow = await runArgv(['sleep', '10'], { timeoutMs: 300 });
    expect(slow.timedOut).toBe(true);
    expect(describeArgvFailure(slow, 300)).toContain('did not finish within');
  });

  it('gives the tool only the base environment and its own env: never another secret on the host', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      SOME_OTHER_TOKEN: 'other-action-token-1',
      SLACK_BOT_TOKEN: 'xoxb-secret-1',
      DATABASE_URL: 'postgres://u:pw@db/app',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-3',
      KUBECONFIG: '/etc/kube/config',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      HTTPS_PROXY: 'http://proxy.internal:3128',
      no_proxy: 'localhost',
    });
    try {
      const r = await runArgv(['node', 'test/fakes/record-env.mjs'], { timeoutMs: 5000, env: { PGPASSWORD: 'pg-pass' } });
      const seen = JSON.parse(r.stdout) as Record<string, string>;
      expect(seen).toMatchObject({ PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: '/etc/kube/config', LC_ALL: 'C.UTF-8', TZ: 'UTC', HTTPS_PROXY: 'http://proxy.internal:3128', no_proxy: 'localhost', PGPASSWORD: 'pg-pass' });
      expect(seen.SOME_OTHER_TOKEN).toBeUndefined();
      expect(seen.SLACK_BOT_TOKEN).toBeUndefined();
      expect(seen.DATABASE_URL).toBeUndefined();
      expect(seen.AWS_SECRET_ACCESS_KEY).toBeUndefined();
      expect(JSON.stringify(seen)).not.toMatch(/other-action-token-1|aws-secret-3|xoxb-secret-1/);
    } finally {
      process.env = saved;
    }
  });

  it('sums up a failure with the line that names the error, not the caret psql prints under it', () => {
    const psql: ArgvResult = { argv: ['psql', 'postgres://db/app', '-c', 'SELEC 1'], exitCode: 1, stdout: '', stderr: 'ERROR:  syntax error at or near "SELEC"\nLINE 1: SELEC 1\n        ^', durationMs: 9, timedOut: false, notFound: false };
    expect(describeArgvFailure(psql, 30_000)).toBe('psql exited with code 1: ERROR:  syntax error at or near "SELEC"');
  });

  it.each([
    ['the first line naming an error, after context lines', 'pg_restore: connecting to database for restore\npg_restore: error: could not execute query: ERROR:  relation "users" already exists\nCommand was: CREATE TABLE users ();', 'pg_restore: error: could not execute query: ERROR:  relation "users" already exists'],
    ['FATAL', 'psql: connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed for user "litellm"', 'psql: connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed for user "litellm"'],
    ['no error word: the first line with a letter or digit, not the punctuation around it', '\n  ---\n^^^\nsomething went wrong\nmore detail', 'something went wrong'],
    ['"errors" in a count is not the error line', 'checked 12 files, 0 errors\nupload refused: error 403', 'upload refused: error 403'],
    ['only punctuation', '  ^\n--', ''],
  ])('failureLine: %s', (_name, output, line) => {
    expect(failureLine(output)).toBe(line);
  });

  it('streams lines as they arrive', async () => {
    const lines: string[] = [];
    await runArgv(['sh', '-c', 'echo one; echo two >&2'], { timeoutMs: 5000, onLine: (l) => lines.push(l) });
    expect(lines.sort()).toEqual(['one', 'two']);
  });
});

describe('fillArgv', () => {
  it('keeps each template element one argument', () => {
    expect(fillArgv(['kubectl', 'scale', '--replicas={replicas}', 'deploy/{name}'], { replicas: '5', name: 'a b' })).toEqual(['kubectl', 'scale', '--replicas=5', 'deploy/a b']);
  });
  it('refuses a placeholder without a value', () => {
    expect(() => fillArgv(['x', '{nope}'], {})).toThrow(TemplateError);
  });
});

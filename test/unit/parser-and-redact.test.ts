import { describe, expect, it } from 'vitest';
import { parseCommandText, ParseError } from '../../src/core/parser.js';
import { rawArgsFromText } from '../../src/core/args.js';
import { logsCommand } from '../../src/commands/logs.js';
import { Redactor } from '../../src/core/redact.js';
import { displayArgv, formatArgv } from '../../src/core/argv-display.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildRedactor } from '../../src/main.js';
import { parseConfigText } from '../../src/config/load.js';
import { readRuntimeEnv } from '../../src/config/env.js';
import { Writable } from 'node:stream';

describe('chat text parser', () => {
  it('splits words, keeps quoted text together and reads flags', () => {
    expect(parseCommandText('/incident declare "checkout 5xx" sev2 --dry-run --reason=late')).toEqual({
      command: 'incident',
      positionals: ['declare', 'checkout 5xx', 'sev2'],
      flags: { 'dry-run': true, reason: 'late' },
    });
    expect(parseCommandText('  /Health   api ').command).toBe('health');
    expect(parseCommandText('/run reset-circuit provider=openai').positionals).toEqual(['reset-circuit', 'provider=openai']);
    expect(parseCommandText('/x “curly quoted” can’t').positionals).toEqual(['curly quoted', 'can’t']);
  });

  it('a bare --flag of a param that takes a value takes the next word; a switch does not', () => {
    const raw = (text: string) => rawArgsFromText(logsCommand, parseCommandText(text));
    expect(raw('/logs --grep "ERROR x" api --previous')).toEqual({ service: 'api', grep: 'ERROR x', previous: true });
    expect(raw('/logs api --previous --since 2h')).toEqual({ service: 'api', previous: true, since: '2h' });
    expect(raw('/logs --previous api --grep=ERROR')).toEqual({ service: 'api', previous: true, grep: 'ERROR' });
    // A value-taking flag at the end has no word to take: the command says it needs one.
    expect(raw('/logs api --grep')).toEqual({ service: 'api', grep: true });
  });

  it('never interprets shell syntax: it is just text', () => {
    expect(parseCommandText('/rollback "api; rm -rf /" $(id)').positionals).toEqual(['api; rm -rf /', '$(id)']);
  });

  it.each([
    ['', 'Empty command'],
    ['health', undefined],
    ['/h@x', 'is not a command'],
    ["/x 'open", 'Unbalanced single quote'],
    ['/x \u0000', 'control characters'],
  ])('%j', (text, error) => {
    if (error === undefined) expect(() => parseCommandText(text)).not.toThrow();
    else expect(() => parseCommandText(text)).toThrow(new RegExp(error));
  });

  it('throws ParseError, never anything else, on odd input', () => {
    for (const t of ['/', '"', '/""', '/a "\\"', '—']) {
      try {
        parseCommandText(t);
      } catch (err) {
        expect(err).toBeInstanceOf(ParseError);
      }
    }
  });
});

describe('redaction', () => {
  const r = new Redactor(['s3cr3t-value']);
  it.each([
    ['postgres://app:hunter2@db:5432/x', 'postgres://app:***@db:5432/x'],
    ['(clone git+ssh://deploy:hunter22@git.example/x)', '(clone git+ssh://deploy:***@git.example/x)'],
    ['slack xoxb-1234-5678-abcdefgh', 'slack xox*-***'],
    ['Authorization: Bearer abcdefghijklmnop', 'Authorization: Bearer ***'],
    ['the key is s3cr3t-value.', 'the key is ***.'],
    ['password=swordfish&user=x', 'password=***&user=x'],
    ['{"api_key": "sk-abcdefghijklmnopqrstuv"}', '{"api_key": "***"}'],
    // cut short by a length limit: the part that is left is still masked
    ['msg must match [a-z]+; got "s3cr3t-v…".', 'msg must match [a-z]+; got "***…".'],
    ['Running /run note msg=s3cr3t-valu…', 'Running /run note msg=***…'],
    ['too short to tell: s3c… and the whole s3cr3t-value…', 'too short to tell: s3c… and the whole ***…'],
    // key=value masks the value only: not the rest of a shell string, not a reference, not PWD
    ['export API_TOKEN=abc123;curl -s "$URL" | jq .', 'export API_TOKEN=***;curl -s "$URL" | jq .'],
    ['PGPASSWORD=hunter22 pg_dump -h db app>out.sql', 'PGPASSWORD=*** pg_dump -h db app>out.sql'],
    ['(token=abc123)&&echo done', '(token=***)&&echo done'],
    ["client_secret='two words' --verbose", "client_secret='***' --verbose"],
    ['{"password": "with spaces, commas", "user": "app"}', '{"password": "***", "user": "app"}'],
    ['PWD=/srv/app OLDPWD=/root HOME=/root', 'PWD=/srv/app OLDPWD=/root HOME=/root'],
    ['GITHUB_TOKEN=$GITHUB_TOKEN TOKEN=${VAR} secret={{ vault.key }}', 'GITHUB_TOKEN=$GITHUB_TOKEN TOKEN=${VAR} secret={{ vault.key }}'],
    ['max_tokens=1024 token_type=bearer', 'max_tokens=1024 token_type=bearer'],
  ])('%s', (input, expected) => {
    expect(r.redact(input)).toBe(expected);
  });

  function capture() {
    const lines: string[] = [];
    const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    return { log: createLogger('info', r, sink), entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), raw: () => lines.join('') };
  }

  it('logs never contain secrets, in fields or messages', () => {
    const { log, raw } = capture();
    log.info({ url: 'redis://:hunter2@cache:6379', nested: { v: 's3cr3t-value' } }, 'connecting with s3cr3t-value');
    log.error({ err: new Error('auth failed for postgres://u:pw123456@h/db') }, 'boom');
    const out = raw();
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('s3cr3t-value');
    expect(out).not.toContain('pw123456');
    expect(out).toContain('redis://:***@cache:6379');
    // The error is logged, masked — not dropped (an empty err object would also pass the checks above).
    expect(out).toContain('"message":"auth failed for postgres://u:***@h/db"');
  });

  it('a logged Error keeps its type, message, stack and cause, all masked', () => {
    const { log, entries, raw } = capture();
    const err = new TypeError('auth failed for postgres://u:pw123456@h/db', { cause: new Error('token s3cr3t-value rejected') });
    log.error({ err }, 'boom');
    const [entry] = entries();
    const logged = entry!.err as { type: string; message: string; stack: string; cause: { message: string } };
    expect(entry!.msg).toBe('boom');
    expect(logged.type).toBe('TypeError');
    expect(logged.message).toBe('auth failed for postgres://u:***@h/db');
    expect(logged.stack).toContain('TypeError: auth failed for postgres://u:***@h/db\n    at ');
    expect(logged.cause.message).toBe('token *** rejected');
    expect(raw()).not.toMatch(/pw123456|s3cr3t-value/);
  });

  it.each([
    ['logger.error(err)', (log: ReturnType<typeof createLogger>, e: Error) => log.error(e)],
    ['logger.error({ err })', (log: ReturnType<typeof createLogger>, e: Error) => log.error({ err: e })],
  ])('%s uses the masked error message as the message', (_name, call) => {
    const { log, entries, raw } = capture();
    call(log, new Error('cannot connect to postgres://u:pw123456@h/db'));
    const [entry] = entries();
    expect(entry!.msg).toBe('cannot connect to postgres://u:***@h/db');
    expect((entry!.err as { message: string }).message).toBe('cannot connect to postgres://u:***@h/db');
    expect(raw()).not.toContain('pw123456');
  });

  it('child logger bindings, interpolated values, Dates and cycles are logged readably and masked', () => {
    const { log, entries, raw } = capture();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    log.child({ url: 'redis://:hunter2@cache:6379' }).info({ at: new Date(0), cyclic }, 'connecting as %s', 's3cr3t-value');
    const [entry] = entries();
    expect(entry).toMatchObject({ url: 'redis://:***@cache:6379', at: '1970-01-01T00:00:00.000Z', cyclic: { name: 'loop', self: '[Circular]' }, msg: 'connecting as ***' });
    expect(raw()).not.toMatch(/hunter2|s3cr3t-value/);
  });

  it('shows argv as a person would type it', () => {
    expect(formatArgv(['kubectl', 'rollout', 'undo', 'deployment/api', '--to-revision=13'])).toBe('kubectl rollout undo deployment/api --to-revision=13');
    expect(formatArgv(['psql', '-c', "SELECT 'x'"])).toBe(`psql -c 'SELECT '\\''x'\\'''`);
  });

  it('shows a masked argv with only the secret values masked, each argument masked before it is quoted', () => {
    expect(displayArgv(['sh', '-c', 'export API_TOKEN=abc123;curl -s "$URL" | jq .'], r)).toBe(`sh -c 'export API_TOKEN=***;curl -s "$URL" | jq .'`);
    expect(displayArgv(['env', 'PWD=/srv/app', 'DB_PASSWORD=s3cr3t-value', 'ls'], r)).toBe("env PWD=/srv/app 'DB_PASSWORD=***' ls");
    expect(displayArgv(['curl', '-u', "app:it's-s3cr3t-value", 'https://x'], r)).toBe(`curl -u 'app:it'\\''s-***' https://x`);
  });
});

describe('masking only what is secret (issue 23, item 12)', () => {
  /** The redactor Firebreak builds for this config and environment. */
  function redactorFor(yaml: string, env: Record<string, string>): Redactor {
    return buildRedactor(readRuntimeEnv({}), parseConfigText(yaml, 'firebreak.yml', env));
  }
  const services = `services:
  litellm:
    deploy: { kind: commands, restart: [railway, restart], env: { PGPASSWORD: "\${LITELLM_DB_PASSWORD}" } }
`;

  it('a secret that starts with a service name does not mask the service in a title that ends in an ellipsis', () => {
    const r = redactorFor(services, { LITELLM_DB_PASSWORD: 'litellm-Zq93-db-pass' });
    expect(r.redact('Restarting litellm…')).toBe('Restarting litellm…');
    expect(r.redact('Running /restart litellm…')).toBe('Running /restart litellm…');
    // A cut that leaves more than the name, or the name inside a longer word, is still masked.
    expect(r.redact('got "litellm-Zq9…"')).toBe('got "***…"');
    expect(r.redact('got "xlitellm…"')).toBe('got "x***…"');
    expect(r.redact('PGPASSWORD=litellm-Zq93-db-pass')).toBe('PGPASSWORD=***');
  });

  const datastore = 'datastores:\n  app:\n    type: postgres\n    url: ${APP_DATABASE_URL}\n';

  it('a URL from the environment without a credential is not masked: which database a command touches stays visible', () => {
    const r = redactorFor(datastore, { APP_DATABASE_URL: 'postgres://db.internal:5432/shop' });
    expect(r.redact('pg_dump postgres://db.internal:5432/shop')).toBe('pg_dump postgres://db.internal:5432/shop');
  });

  it('of a URL with user:password@ only the password is masked, wherever it appears', () => {
    const r = redactorFor(datastore, { APP_DATABASE_URL: 'postgres://app:Pa%2F55word91@db.internal:5432/shop' });
    expect(r.redact('connecting to postgres://app:Pa%2F55word91@db.internal:5432/shop')).toBe('connecting to postgres://app:***@db.internal:5432/shop');
    // Decoded, as a tool gets it in PGPASSWORD and may echo it.
    expect(r.redact('password is Pa/55word91 now')).toBe('password is *** now');
  });

  it('a URL with a token in its query string or its path still masks that token', () => {
    const query = redactorFor(datastore.replace('postgres', 'http'), { APP_DATABASE_URL: 'https://status.example/health?region=eu&access_token=Qx81kz0aLm' });
    expect(query.redact('GET https://status.example/health?region=eu&access_token=Qx81kz0aLm failed: token Qx81kz0aLm expired')).toBe(
      'GET https://status.example/health?region=eu&access_token=*** failed: token *** expired',
    );
    const mongo = redactorFor(datastore.replace('postgres', 'tcp').replace('url: ${APP_DATABASE_URL}', 'host: "${APP_DATABASE_URL}"\n    port: 1'), {
      APP_DATABASE_URL: 'mongodb://db.internal/app?authSource=admin&authMechanism=SCRAM-SHA-256',
    });
    expect(mongo.redact('connected to db.internal/app as admin')).toBe('connected to db.internal/app as admin');
    const hook = redactorFor(datastore.replace('postgres', 'http'), { APP_DATABASE_URL: 'https://hooks.example/services/T0001/B0002/a8Kd93jfL20xQpWz' });
    expect(hook.redact('POST https://hooks.example/services/T0001/B0002/a8Kd93jfL20xQpWz')).toBe('POST https://hooks.example/services/T0001/B0002/***');
  });
});

describe('Redactor.redactValue', () => {
  it('copies a structure with a cycle, masking its strings, instead of looping forever', () => {
    const r = new Redactor(['s3cr3t-value']);
    const shared = { token: 'x s3cr3t-value y' };
    const a: Record<string, unknown> = { shared, again: shared, name: 'a' };
    a.self = a;
    expect(r.redactValue(a)).toEqual({ shared: { token: 'x *** y' }, again: { token: 'x *** y' }, name: 'a', self: '[Circular]' });
  });
});

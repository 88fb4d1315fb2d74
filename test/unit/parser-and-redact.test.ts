import { describe, expect, it } from 'vitest';
import { parseCommandText, ParseError } from '../../src/core/parser.js';
import { Redactor } from '../../src/core/redact.js';
import { formatArgv } from '../../src/core/argv-display.js';
import { createLogger } from '../../src/logging/logger.js';
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
    ['slack xoxb-1234-5678-abcdefgh', 'slack xox*-***'],
    ['Authorization: Bearer abcdefghijklmnop', 'Authorization: Bearer ***'],
    ['the key is s3cr3t-value.', 'the key is ***.'],
    ['password=swordfish&user=x', 'password=***&user=x'],
    ['{"api_key": "sk-abcdefghijklmnopqrstuv"}', '{"api_key": "***"}'],
  ])('%s', (input, expected) => {
    expect(r.redact(input)).toBe(expected);
  });

  it('logs never contain secrets, in fields or messages', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    const log = createLogger('info', r, sink);
    log.info({ url: 'redis://:hunter2@cache:6379', nested: { v: 's3cr3t-value' } }, 'connecting with s3cr3t-value');
    log.error({ err: new Error('auth failed for postgres://u:pw123456@h/db') }, 'boom');
    const out = lines.join('');
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('s3cr3t-value');
    expect(out).not.toContain('pw123456');
    expect(out).toContain('redis://:***@cache:6379');
  });

  it('shows argv as a person would type it', () => {
    expect(formatArgv(['kubectl', 'rollout', 'undo', 'deployment/api', '--to-revision=13'])).toBe('kubectl rollout undo deployment/api --to-revision=13');
    expect(formatArgv(['psql', '-c', "SELECT 'x'"])).toBe(`psql -c 'SELECT '\\''x'\\'''`);
  });
});

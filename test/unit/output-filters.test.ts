import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { applyOutputFilters, compileOutputFilters, compileUserRegex, excerptStart, groupLines, parseJsonPath, type OutputFilter } from '../../src/core/output-filters.js';
import { configProblems } from '../support/config-problems.js';

const LOG = [
  '2026-03-01T10:00:01Z INFO request ok',
  '2026-03-01T10:00:02Z ERROR upstream timeout provider=openai',
  '2026-03-01T10:00:03Z ERROR db pool exhausted',
  '2026-03-01T10:00:04Z INFO healthcheck',
  '2026-03-01T10:00:05Z ERROR upstream timeout provider=openai',
  '2026-03-01T10:00:06Z error lowercase',
].join('\n');

const grep = (pattern: string, invert = false, flags = ''): OutputFilter => ({ kind: 'grep', pattern: new RegExp(pattern, flags), invert });

describe('output filters, each alone', () => {
  it('grep keeps matching lines; invert keeps the others', () => {
    expect(applyOutputFilters(LOG, [grep('ERROR')]).split('\n')).toHaveLength(3);
    expect(applyOutputFilters(LOG, [grep('ERROR', true)])).toBe(['2026-03-01T10:00:01Z INFO request ok', '2026-03-01T10:00:04Z INFO healthcheck', '2026-03-01T10:00:06Z error lowercase'].join('\n'));
    expect(applyOutputFilters(LOG, [grep('error', false, 'i')]).split('\n')).toHaveLength(4);
  });

  it('head and tail keep the first and last N lines', () => {
    expect(applyOutputFilters(LOG, [{ kind: 'head', lines: 2 }])).toBe(LOG.split('\n').slice(0, 2).join('\n'));
    expect(applyOutputFilters(LOG, [{ kind: 'tail', lines: 1 }])).toBe('2026-03-01T10:00:06Z error lowercase');
    expect(applyOutputFilters('a\nb', [{ kind: 'tail', lines: 10 }])).toBe('a\nb');
  });

  it('cut keeps fields like cut -d -f, and leaves a line without the delimiter alone', () => {
    const cut = (fields: string, delimiter = ' '): OutputFilter => compileOutputFilters([{ cut: { fields, delimiter } }])[0]!;
    expect(applyOutputFilters('a b c d\nsolo', [cut('2-')])).toBe('b c d\nsolo');
    expect(applyOutputFilters('a b c d', [cut('2-3')])).toBe('b c');
    expect(applyOutputFilters('a b c d', [cut('4')])).toBe('d');
    expect(applyOutputFilters('a,b,c', [cut('2', ',')])).toBe('b');
    expect(applyOutputFilters('a b', [cut('5-')])).toBe('');
  });

  it('count counts lines, 0 for nothing', () => {
    expect(applyOutputFilters(LOG, [grep('ERROR'), { kind: 'count' }])).toBe('3');
    expect(applyOutputFilters('', [{ kind: 'count' }])).toBe('0');
    expect(applyOutputFilters('a\n', [{ kind: 'count' }])).toBe('1');
  });

  it('group counts identical lines, most frequent first, ties in order of appearance', () => {
    expect(groupLines(['b', 'a', 'b', 'c', 'b', 'a'])).toEqual(['3 b', '2 a', '1 c']);
    const lines = Array.from({ length: 12 }, () => 'x');
    expect(groupLines([...lines, 'y'])).toEqual(['12 x', ' 1 y']);
  });

  it('json selects a path; arrays of scalars become lines, objects pretty JSON', () => {
    const body = JSON.stringify({ status: 'degraded', services: { db: 'ok', cache: 'down' }, items: [{ name: 'a' }, { name: 'b' }], tags: ['x', 1] });
    const json = (path: string): OutputFilter => ({ kind: 'json', path: parseJsonPath(path)!, source: path });
    expect(applyOutputFilters(body, [json('.status')])).toBe('degraded');
    expect(applyOutputFilters(body, [json('.services')])).toBe('{\n  "db": "ok",\n  "cache": "down"\n}');
    expect(applyOutputFilters(body, [json('.items[].name')])).toBe('a\nb');
    expect(applyOutputFilters(body, [json('.items[1].name')])).toBe('b');
    expect(applyOutputFilters(body, [json('.tags')])).toBe('x\n1');
    expect(applyOutputFilters(body, [json('.missing')])).toBe('(.missing is not in the JSON output)');
    expect(applyOutputFilters('<html>', [json('.status')])).toBe('(the output is not JSON, so .status selects nothing)');
  });

  it('parseJsonPath reads the documented grammar and refuses the rest', () => {
    expect(parseJsonPath('.')).toEqual([]);
    expect(parseJsonPath('.a[2][].b')).toEqual([{ key: 'a' }, { index: 2 }, { each: true }, { key: 'b' }]);
    expect(parseJsonPath('.[0].a')).toEqual([{ index: 0 }, { key: 'a' }]);
    for (const bad of ['', 'a', '.a.', '..a', '.a[x]', '[0]']) expect(parseJsonPath(bad), bad).toBeNull();
  });
});

describe('output filters in order (runbook 002: grep ERROR | cut | sort | uniq -c | sort -rn)', () => {
  it('grep, cut, grep -v, group, head', () => {
    const { config } = parseConfigText(
      'actions:\n  errors:\n    read_only: true\n    argv: [kubectl, logs]\n    output: [{ grep: " ERROR " }, { cut: { fields: "2-" } }, { grep: { pattern: "pool", invert: true } }, { group: true }, { head: 5 }]',
      't.yml',
      {},
    );
    const filters = compileOutputFilters(config.actions.errors!.output);
    expect(applyOutputFilters(LOG, filters)).toBe('2 ERROR upstream timeout provider=openai');
  });

  it('order matters: head before grep sees only the first lines', () => {
    expect(applyOutputFilters(LOG, [{ kind: 'head', lines: 2 }, grep('ERROR'), { kind: 'count' }])).toBe('1');
    expect(applyOutputFilters(LOG, [grep('ERROR'), { kind: 'head', lines: 2 }, { kind: 'count' }])).toBe('2');
  });

  it('excerptStart keeps the start of filtered output', () => {
    expect(excerptStart('abcdef', 3)).toBe('abc\n… (3 more characters cut)');
    expect(excerptStart('abc\n', 3)).toBe('abc');
  });
});

describe('a typed pattern (/logs --grep)', () => {
  it('compiles ordinary patterns', () => {
    for (const ok of ['ERROR', 'timeout|refused', 'status=5\\d\\d', '(?:GET|POST) /api', 'a{2,3}', 'x(ab)?y', '\\(a+\\)+', '[(a+)+]']) {
      expect(compileUserRegex(ok), ok).toMatchObject({ ok: true });
    }
  });

  it('refuses what can backtrack exponentially, backreferences, invalid and overlong patterns', () => {
    for (const bad of ['(a+)+$', '(a|aa)*b', '(x*)*', '((ab)+c)+', '(a?a?)+', '(.*)\\1']) {
      expect(compileUserRegex(bad), bad).toMatchObject({ ok: false });
    }
    expect(compileUserRegex('(')).toMatchObject({ ok: false, message: expect.stringMatching(/^The pattern is not a valid regular expression/) });
    expect(compileUserRegex('a'.repeat(201))).toEqual({ ok: false, message: 'The pattern is 201 characters long; at most 200 are allowed.' });
    expect(compileUserRegex('')).toMatchObject({ ok: false });
  });
});

const problems = configProblems;

describe('read_only, output and expect_exit in the config', () => {
  const table: { name: string; yaml: string; path: string; message: string | RegExp }[] = [
    { name: 'bad grep regex', yaml: 'actions:\n  a:\n    argv: [x]\n    output: [{ grep: "ERROR(" }]', path: 'actions.a.output[0].grep', message: /^is not a valid regular expression/ },
    { name: 'bad grep regex in the long form', yaml: 'actions:\n  a:\n    argv: [x]\n    output: [{ grep: { pattern: "[", invert: true } }]', path: 'actions.a.output[0].grep.pattern', message: /^is not a valid regular expression/ },
    { name: 'cut fields', yaml: 'actions:\n  a:\n    argv: [x]\n    output: [{ cut: { fields: "0-" } }]', path: 'actions.a.output[0].cut.fields', message: 'must be N, N- or N-M (fields counted from 1)' },
    { name: 'cut backwards', yaml: 'actions:\n  a:\n    argv: [x]\n    output: [{ cut: { fields: "4-2" } }]', path: 'actions.a.output[0].cut.fields', message: 'ends before it starts (4-2)' },
    { name: 'head 0', yaml: 'actions:\n  a:\n    argv: [x]\n    output: [{ head: 0 }]', path: 'actions.a.output[0].head', message: /1/ },
    { name: 'tail too many', yaml: 'actions:\n  a:\n    argv: [x]\n    output: [{ tail: 5000 }]', path: 'actions.a.output[0].tail', message: /1000/ },
    { name: 'two filters in one item', yaml: 'actions:\n  a:\n    argv: [x]\n    output: [{ grep: x, head: 3 }]', path: 'actions.a.output[0]', message: 'has grep and head; write one filter per list item (they apply in order)' },
    { name: 'no filter', yaml: 'actions:\n  a:\n    argv: [x]\n    output: [{}]', path: 'actions.a.output[0]', message: 'needs one of grep, cut, head, tail, json, count, group' },
    { name: 'json path', yaml: 'actions:\n  a:\n    argv: [x]\n    output: [{ json: services }]', path: 'actions.a.output[0].json', message: 'must be a JSON path such as .services, .items[0].name or .items[].name' },
    { name: 'read_only with confirm', yaml: 'actions:\n  a:\n    read_only: true\n    confirm: true\n    argv: [x]', path: 'actions.a.confirm', message: /^a read_only action runs at once, without confirmation or lease/ },
    { name: 'expect_exit on http', yaml: 'actions:\n  a:\n    expect_exit: [0, 1]\n    http: { url: "https://x.example.com/" }', path: 'actions.a.expect_exit', message: /http\.expect_status/ },
    { name: 'expect_exit out of range', yaml: 'actions:\n  a:\n    expect_exit: [0, 256]\n    argv: [x]', path: 'actions.a.expect_exit[1]', message: /255/ },
    { name: 'expect_exit twice', yaml: 'actions:\n  a:\n    expect_exit: [1, 1]\n    argv: [x]', path: 'actions.a.expect_exit', message: 'lists an exit code twice' },
    { name: 'expect_exit empty', yaml: 'actions:\n  a:\n    expect_exit: []\n    argv: [x]', path: 'actions.a.expect_exit', message: /1/ },
  ];

  it.each(table)('$name → $path', ({ yaml, path, message }) => {
    expect(problems(yaml)).toContainEqual({ path, message: typeof message === 'string' ? message : expect.stringMatching(message) });
  });

  it('defaults: a mutating action needs responders and confirms; a read-only one needs no role and does not', () => {
    const { config } = parseConfigText('actions:\n  fix:\n    argv: [x]\n  look:\n    read_only: true\n    argv: [x]\n  guarded:\n    read_only: true\n    role: admins\n    argv: [x]', 't.yml', {});
    expect(config.actions.fix).toMatchObject({ read_only: false, role: 'responders', confirm: true, expect_exit: [0], output: [] });
    expect(config.actions.look).toMatchObject({ read_only: true, role: null, confirm: false });
    expect(config.actions.guarded).toMatchObject({ read_only: true, role: 'admins', confirm: false });
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { variableUses } from '../../src/config/interpolate.js';

/** The documentation: the README (the front page) and one file per topic in docs/. */
const docFiles = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const docs = new Map(docFiles.map((f) => [f, readFileSync(f, 'utf8')]));

/** The variables the example config reads, found the way the loader finds them (comments do not count). */
function exampleVariables(): string[] {
  return [...new Set(variableUses(parseDocument(readFileSync('firebreak.example.yml', 'utf8')).toJS()).map((u) => u.name))];
}

/** A file's text from a heading to the next heading of the same or a higher level. */
function section(file: string, heading: string): string {
  const text = docs.get(file) ?? '';
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) return '';
  const level = /^#+/.exec(heading)![0].length;
  const rest = text.slice(start + heading.length + 2);
  const next = new RegExp(`^#{1,${level}} `, 'm').exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

const FENCE = /^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm;

/** Text outside fenced blocks and inline code: what Markdown renders as links and headings. */
function prose(text: string): string {
  return text.replace(FENCE, '').replace(/`[^`\n]*`/g, '');
}

/** Inline code spans and the lines of fenced blocks: where commands are written as people type them. */
function codeOf(text: string): string[] {
  const blocks = [...text.matchAll(FENCE)].flatMap((m) => m[0].split('\n').slice(1, -1));
  const spans = [...text.replace(FENCE, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...spans, ...blocks];
}

/** The anchors GitHub gives a file's headings: lowercased, punctuation (backticks too) dropped, spaces to dashes, repeats numbered. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of text.replace(FENCE, '').matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*$/gm)) {
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

describe('README and docs/', () => {
  it('cover every doc file from the README', () => {
    const readme = docs.get('README.md')!;
    const unlinked = docFiles.filter((f) => f !== 'README.md' && !readme.includes(`](${f})`));
    expect(unlinked, 'link each docs/ file from the README').toEqual([]);
  });

  it('keep the two-command quick start, and never a bare `npx firebreak`', () => {
    const quickStart = section('README.md', '## Quick start');
    expect(quickStart).toContain('npm ci && npm start');
    expect(quickStart).toMatch(/^npm test\b/m);
    // The tests need services the bot does not: say which, next to the command.
    const testLine = /^npm test\b.*$/m.exec(quickStart)?.[0] ?? '';
    for (const needed of ['PostgreSQL', 'Redis', 'Alertmanager', 'tmux', 'Chromium']) expect(testLine).toContain(needed);
    // A bare `npx firebreak` may download a registry package of that name instead of running this checkout.
    const bare = docFiles.filter((f) => /npx (?!--no-install )firebreak\b/.test(docs.get(f)!));
    expect(bare, 'write `npx --no-install firebreak`, `npm run firebreak --` or `node bin/firebreak.js`').toEqual([]);
  });

  it('list every environment variable the example config uses', () => {
    const vars = exampleVariables();
    expect(vars).toEqual(expect.arrayContaining(['APP_DATABASE_URL', 'CONDUIT_MASTER_KEY']));
    // Firebreak's own store and coordination: the example's app database must not be them.
    expect(vars).not.toContain('DATABASE_URL');
    expect(vars).not.toContain('REDIS_URL');
    const table = section('docs/configuration.md', '## Environment variables the example config needs');
    const missing = vars.filter((v) => !table.includes(`| \`${v}\` |`));
    expect(missing, 'add them to "Environment variables the example config needs" in docs/configuration.md').toEqual([]);
  });

  it('link only files inside the repository, and they and their anchors exist', () => {
    const broken: string[] = [];
    for (const [file, text] of docs) {
      for (const m of prose(text).matchAll(/\]\(([^)\s]*)\)/g)) {
        const link = m[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: — outside links are fine to name
        const [path, anchor] = link.split('#', 2) as [string, string | undefined];
        const target = path === '' ? file : join(dirname(file), path);
        const inRepo = !relative(process.cwd(), resolve(target)).startsWith('..');
        if (!inRepo || !existsSync(target)) {
          broken.push(`${file}: ${link} (no such file in the repository)`);
          continue;
        }
        if (anchor !== undefined && !(target.endsWith('.md') && statSync(target).isFile() && anchorsOf(docs.get(target) ?? readFileSync(target, 'utf8')).has(anchor))) {
          broken.push(`${file}: ${link} (no heading #${anchor} in ${target})`);
        }
      }
      // Files named in prose too: the design notes live outside the repository.
      if (/DESIGN\.md|shared folder|\.\.\/shared/.test(text)) broken.push(`${file}: names a file outside the repository`);
    }
    expect(broken).toEqual([]);
  });

  it('document only chat commands and subcommands that exist, and every command that does', () => {
    // Written in code as typed, but not Firebreak's commands: Slack's own /invite, and the misspelling
    // the did-you-mean example shows. HTTP routes (`/readyz`) must be routes docs/http.md lists.
    const notOurs = new Set(['invite', 'helth']);
    const routes = new Set([...docs.get('docs/http.md')!.matchAll(/`(?:GET|POST) \/([a-z]+)/g)].map((m) => m[1]!));
    const unknown = new Set<string>();
    for (const [file, text] of docs) {
      for (const code of codeOf(text)) {
        for (const m of code.matchAll(/(?:^|[\s"'([])\/([a-z][a-z-]*)(?=[\s"'\])…]|$)(?: ([a-z]+))?/g)) {
          const [name, word] = [m[1]!, m[2]];
          if (notOurs.has(name) || routes.has(name)) continue;
          const spec = commands.find((c) => c.name === name);
          if (!spec) unknown.add(`${file}: /${name}`);
          else if (spec.subcommands && word && !spec.subcommands.some((s) => s.name === word)) unknown.add(`${file}: /${name} ${word}`);
        }
      }
    }
    expect([...unknown]).toEqual([]);
    const table = docs.get('docs/commands.md')!;
    expect(commands.filter((c) => !table.includes(`| \`/${c.name}`)).map((c) => c.name), 'give each command a row in docs/commands.md').toEqual([]);
  });

  it('document only `firebreak` subcommands that exist', () => {
    // What `firebreak --help` lists: "  start", "  config check [FILE]", "  run --action …".
    const usage = execFileSync(process.execPath, ['bin/firebreak.js', '--help'], { encoding: 'utf8' });
    const known = [...usage.matchAll(/^ {2}([a-z]+(?: [a-z]+)?)(?= |$)/gm)].map((m) => m[1]!.split(' '));
    expect(known.map((k) => k[0])).toEqual(expect.arrayContaining(['start', 'run', 'console', 'config', 'migrate', 'discord']));
    const unknown = new Set<string>();
    for (const [file, text] of docs) {
      for (const code of codeOf(text)) {
        // `firebreak run`, `npx --no-install firebreak start`, `node bin/firebreak.js migrate`; not `@firebreak` or `firebreak.yml`.
        for (const m of code.matchAll(/(?<![@\w./-])(?:bin\/)?firebreak(?:\.js)?[ \t]+([a-z][a-z-]*)(?:[ \t]+([a-z][a-z-]*))?/g)) {
          const [cmd, sub] = [m[1]!, m[2]];
          if (!known.some((k) => k[0] === cmd && (k.length === 1 || k[1] === sub))) unknown.add(`${file}: firebreak ${cmd}${sub ? ` ${sub}` : ''}`);
        }
      }
    }
    expect([...unknown]).toEqual([]);
  });
});

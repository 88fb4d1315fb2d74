import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { interpolateEnv, type InterpolationProblem } from '../../src/config/interpolate.js';

const readme = readFileSync('README.md', 'utf8');

/** The variables the example config reads, found the way the loader finds them (comments do not count). */
function exampleVariables(): string[] {
  const problems: InterpolationProblem[] = [];
  interpolateEnv(parseDocument(readFileSync('firebreak.example.yml', 'utf8')).toJS(), {}, problems);
  return [...new Set(problems.map((p) => /environment variable (\S+) is not set/.exec(p.message)?.[1] ?? p.message))];
}

/** The README's text from a heading to the next heading of the same or a higher level. */
function section(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) return '';
  const level = /^#+/.exec(heading)![0].length;
  const rest = readme.slice(start + heading.length + 2);
  const next = new RegExp(`^#{1,${level}} `, 'm').exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

describe('README', () => {
  it('lists every environment variable the example config uses', () => {
    const vars = exampleVariables();
    expect(vars).toEqual(expect.arrayContaining(['DATABASE_URL', 'CONDUIT_MASTER_KEY']));
    const table = section('### Environment variables the example config needs');
    const missing = vars.filter((v) => !table.includes(`| \`${v}\` |`));
    expect(missing, 'add them to "Environment variables the example config needs" in README.md').toEqual([]);
  });

  it('links only files inside the repository, and they exist', () => {
    const targets = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/i.test(t));
    for (const t of targets) {
      const inRepo = !relative(process.cwd(), resolve(t)).startsWith('..');
      expect(inRepo && existsSync(t), `README links ${t}`).toBe(true);
    }
    // Files named in prose too: the design notes live outside the repository.
    expect(readme).not.toMatch(/DESIGN\.md|shared folder|\.\.\/shared/);
  });
});

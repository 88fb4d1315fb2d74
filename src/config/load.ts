import { readFileSync, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseDocument, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type FirebreakConfig } from './schema.js';
import { closestMatch } from './did-you-mean.js';
import { interpolateEnv, referencedVariables, variableUses, type InterpolationProblem } from './interpolate.js';
import { secretPartsOf } from './secret-values.js';
import type { RuntimeEnv } from './env.js';

export interface ConfigProblem {
  path: string;
  message: string;
  /** Where a YAML syntax error is: line and column (1-based), and the text there with a caret under it. */
  at?: { line: number; col: number; excerpt: string };
}

function formatProblems(source: string, problems: readonly ConfigProblem[]): string {
  // A syntax error is about text, not a config path: say it the way editors and compilers do
  // (file:line:col), so the place can be opened directly, with the line and the caret yaml gives.
  if (problems.length > 0 && problems.every((p) => p.at)) {
    return problems
      .map((p) => `${source}:${p.at!.line}:${p.at!.col}: ${p.message}${p.at!.excerpt ? `\n${p.at!.excerpt.replace(/^/gm, '  ')}` : ''}`)
      .join('\n');
  }
  return `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(formatProblems(source, problems));
    this.name = 'ConfigError';
  }
}

/**
 * yaml's pretty message is "WHAT at line L, column C:\n\nCONTEXT\n" where CONTEXT is the line (and
 * sometimes the one before) with a caret under the column; keep all of it, in our own layout.
 */
function yamlProblem(error: YAMLError): ConfigProblem {
  const pos = error.linePos?.[0];
  const [head = '', ...rest] = error.message.split('\n\n');
  const message = head.replace(/ at line \d+, column \d+:?$/, '').trim() || 'YAML syntax error';
  if (!pos) return { path: '(file)', message };
  const excerpt = rest.join('\n\n').replace(/\n+$/, '');
  return { path: `line ${pos.line}, column ${pos.col}`, message, at: { line: pos.line, col: pos.col, excerpt } };
}

export interface LoadedConfig {
  config: Readonly<FirebreakConfig>;
  /** The file it came from, or "built-in default". */
  source: string;
  /** Values taken from the environment through ${VAR} (of a URL, its credentials: secret-values.ts): redacted wherever they would be shown. */
  secrets: string[];
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

/** The keys zod's schema allows at `path` (through optional, default, pipe, record, array and union), for "did you mean". */
export function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const def = schema._zod.def as unknown as { type: string; shape?: Record<string, z.core.$ZodType>; innerType?: z.core.$ZodType; in?: z.core.$ZodType; valueType?: z.core.$ZodType; element?: z.core.$ZodType; options?: z.core.$ZodType[] };
  if (def.innerType) return knownKeysAt(def.innerType, path);
  if (def.type === 'pipe' && def.in) return knownKeysAt(def.in, path);
  if (def.options) return [...new Set(def.options.flatMap((o) => knownKeysAt(o, path)))];
  const [head, ...rest] = path;
  if (head === undefined) return def.shape ? Object.keys(def.shape) : [];
  if (def.shape) return typeof head === 'string' && def.shape[head] ? knownKeysAt(def.shape[head], rest) : [];
  if (def.valueType) return knownKeysAt(def.valueType, rest);
  if (def.element) return knownKeysAt(def.element, rest);
  return [];
}

function zodProblems(error: z.ZodError): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    // Unions report one issue per branch; a person wants the branch that matched the discriminator.
    if (issue.code === 'invalid_union' && 'errors' in issue && Array.isArray(issue.errors) && issue.errors.length > 0) {
      const first = issue.errors[0] as z.core.$ZodIssue[];
      for (const inner of first) problems.push({ path: formatPath([...issue.path, ...inner.path]), message: inner.message });
      continue;
    }
    if (issue.code === 'invalid_key' && 'issues' in issue && Array.isArray(issue.issues) && issue.issues.length > 0) {
      const inner = issue.issues[0] as z.core.$ZodIssue;
      problems.push({ path: formatPath(issue.path), message: `name ${inner.message}` });
      continue;
    }
    const discriminator = /^Invalid discriminator value\. Expected (.*)$/.exec(issue.message);
    if (discriminator) {
      problems.push({ path: formatPath(issue.path), message: `must be one of: ${(discriminator[1] ?? '').replace(/'/g, '').split(' | ').join(', ')}` });
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(configSchema, issue.path);
      for (const key of issue.keys) {
        const match = closestMatch(key, known);
        problems.push({ path: formatPath([...issue.path, key]), message: match === undefined ? 'unknown key' : `unknown key; did you mean ${match}?` });
      }
      continue;
    }
    problems.push({ path: formatPath(issue.path), message: issue.message });
  }
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Where a config names people: roles, incident responders, escalation mentions. */
function isIdentityPath(path: readonly (string | number)[]): boolean {
  const [a, b, , d] = path;
  return a === 'roles' || (a === 'incidents' && b === 'responders') || (a === 'alerts' && b === 'escalation' && d === 'mention');
}

/**
 * Variables used only where the config names people (`console:${USER}`): an identity is shown on
 * every reply ("alice ran …"), so its value is no secret, and masked it would hide who did what.
 */
function identityVariables(raw: unknown): Set<string> {
  const uses = variableUses(raw);
  const elsewhere = new Set(uses.filter((u) => !isIdentityPath(u.path)).map((u) => u.name));
  return new Set(uses.filter((u) => isIdentityPath(u.path) && !elsewhere.has(u.name)).map((u) => u.name));
}

/** Parses config text; every problem is collected, none is thrown away after the first. */
export function parseConfigText(text: string, source: string, env: NodeJS.ProcessEnv): LoadedConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map(yamlProblem));
  }
  const raw: unknown = doc.toJS() ?? {};
  const interpolationProblems: InterpolationProblem[] = [];
  const interpolated = interpolateEnv(raw, env, interpolationProblems);
  const problems: ConfigProblem[] = interpolationProblems.map((p) => ({ path: formatPath(p.path), message: p.message }));
  const parsed = configSchema.safeParse(interpolated);
  if (!parsed.success) {
    // A missing variable also makes its field invalid (empty); report the cause, not both.
    const known = new Set(problems.map((p) => p.path));
    for (const p of zodProblems(parsed.error)) if (!known.has(p.path)) problems.push(p);
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(source, problems);
  const identities = identityVariables(raw);
  const values = referencedVariables(text).filter((name) => !identities.has(name)).map((name) => env[name]).filter((v): v is string => !!v);
  const secrets = [...new Set(values.flatMap(secretPartsOf).filter((v) => v.length >= 4))];
  return { config: deepFreeze(parsed.data), source, secrets };
}

/**
 * With no config file, a default that makes `/health` meaningful on a fresh machine: it checks
 * Firebreak's own store (and Redis when REDIS_URL is set), and gives the local console user every
 * role so a newcomer can try everything. A real config names its roles explicitly.
 */
export function builtInDefaultConfig(runtime: RuntimeEnv, consoleUser = currentOsUser()): LoadedConfig {
  const datastores: Record<string, unknown> = { 'firebreak-store': { type: 'postgres' } };
  if (runtime.redisUrl) datastores.cache = { type: 'redis', url: runtime.redisUrl };
  const member = `console:${consoleUser}`;
  // --as is allowed here: only the OS user holds roles, so another name can try the read-only
  // commands and nothing more. A real config opts in with console.allow_as.
  const config = configSchema.parse({ datastores, roles: { responders: [member], admins: [member] }, console: { allow_as: true } });
  return { config: deepFreeze(config), source: 'built-in default', secrets: [] };
}

/**
 * The OS account running this process: the console's one real identity. A uid with no passwd entry
 * (containers run as an arbitrary uid) is named by its number, never by $USER, which anyone can set.
 */
export function currentOsUser(): string {
  try {
    return userInfo().username;
  } catch {
    const uid = process.getuid?.();
    return uid === undefined ? 'console' : `uid-${uid}`;
  }
}

/** Reads a config file; a file that cannot be read is a ConfigError naming it, like any other problem. */
function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'the file does not exist' : code === 'EISDIR' ? 'is a directory, not a config file' : `cannot be read (${(err as Error).message})`;
    throw new ConfigError(path, [{ path: '(file)', message }]);
  }
}

/**
 * `file` is a path the person named (e.g. `firebreak config check FILE`): it is the config, and a
 * missing one is an error, never a reason to fall back to the built-in default.
 */
export function loadConfig(runtime: RuntimeEnv, env: NodeJS.ProcessEnv = process.env, file?: string): LoadedConfig {
  if (file !== undefined) return parseConfigText(readConfigFile(file), file, env);
  if (!existsSync(runtime.configPath)) {
    if (runtime.configPathExplicit) {
      throw new ConfigError(runtime.configPath, [{ path: '(file)', message: 'FIREBREAK_CONFIG points to a file that does not exist' }]);
    }
    return builtInDefaultConfig(runtime);
  }
  return parseConfigText(readConfigFile(runtime.configPath), runtime.configPath, env);
}

export interface InterpolationProblem {
  path: (string | number)[];
  message: string;
}

/** `${VAR}` or `${VAR:-default}`; a default holds no `}`. */
const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` in every string of a parsed YAML tree. Done on the tree rather than the raw
 * text so a secret containing YAML syntax (`: `, `#`, quotes) cannot change the document's shape.
 * `$${VAR}` stays literal as `${VAR}`. `${VAR:-default}` is `default` when VAR is unset or empty
 * (as in the shell), so a config can run on a laptop as shipped and take production's values
 * from the environment.
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: InterpolationProblem[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (match: string, name: string, fallback: string | undefined) => {
      if (match.startsWith('$$')) return match.slice(1);
      const v = env[name];
      if (fallback !== undefined && !v) return fallback;
      if (v === undefined) {
        problems.push({ path, message: `environment variable ${name} is not set` });
        return '';
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, problems, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, problems, [...path, k]);
    return out;
  }
  return value;
}

/** Names of the variables a string refers to; used to redact their values wherever they appear. */
export function referencedVariables(text: string): string[] {
  return [...text.matchAll(VAR)].map((m) => m[1] as string);
}

/** Every variable a parsed YAML tree refers to, with the path of the string it is in. */
export function variableUses(value: unknown, path: (string | number)[] = []): { name: string; path: (string | number)[] }[] {
  if (typeof value === 'string') return referencedVariables(value).map((name) => ({ name, path }));
  if (Array.isArray(value)) return value.flatMap((v, i) => variableUses(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => variableUses(v, [...path, k]));
  return [];
}

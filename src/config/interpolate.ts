export interface InterpolationProblem {
  path: (string | number)[];
  message: string;
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${VAR}` in every string of a parsed YAML tree. Done on the tree rather than the raw
 * text so a secret containing YAML syntax (`: `, `#`, quotes) cannot change the document's shape.
 * `$${VAR}` stays literal as `${VAR}`.
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: InterpolationProblem[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match: string, name: string) => {
      if (match.startsWith('$$')) return match.slice(1);
      const v = env[name];
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

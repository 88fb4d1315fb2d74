import { z } from 'zod';

/**
 * Params of custom actions (`actions.NAME.params`) and of procedures (`procedures.NAME.params`): one
 * schema, so `/run` and `/procedure` accept, refuse and explain values the same way
 * (src/core/action-params.ts checks them).
 */

/** A string param without a pattern: one word of letters, digits, '.', '_' and '-'. */
export const DEFAULT_STRING_PATTERN = '[A-Za-z0-9._-]{1,64}';

const common = {
  description: z.string().optional(),
  /** Absent: true, unless the param has a default (then it is optional by definition). */
  required: z.boolean().optional(),
};

const enumParam = z.object({ type: z.literal('enum'), values: z.array(z.string().min(1)).min(1), default: z.string().optional(), ...common }).strict();
const intParam = z.object({ type: z.literal('int'), min: z.number().int(), max: z.number().int(), default: z.number().int().optional(), ...common }).strict();
const stringParam = z
  .object({
    type: z.literal('string'),
    /** The whole value must match. */
    pattern: z.string().min(1).default(DEFAULT_STRING_PATTERN),
    default: z.string().optional(),
    /**
     * Never typed in the channel: asked for in a private prompt (a Slack or Discord modal; on the
     * console an environment variable or a hidden prompt), passed to the tool through `env:` only,
     * and masked everywhere it could be shown.
     */
    secret: z.boolean().default(false),
    ...common,
  })
  .strict();
const boolParam = z
  .object({
    type: z.literal('bool'),
    /** What `{name}` becomes when true (e.g. "--dry-run"); when false it becomes nothing (an argv element that is only `{name}` is left out). */
    flag: z.string().regex(/^-{1,2}[A-Za-z0-9][A-Za-z0-9-]*(=[^\s]+)?$/, 'must be an option such as --dry-run').optional(),
    default: z.boolean().default(false),
    description: z.string().optional(),
  })
  .strict();

const typedParamSchema = z.discriminatedUnion('type', [enumParam, intParam, stringParam, boolParam]);

export const paramSchema = z
  // A procedure param without a type is a string (the only kind procedures had at first).
  .preprocess((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !('type' in v) ? { ...v, type: 'string' } : v), typedParamSchema)
  .superRefine((p, ctx) => {
    if (p.type === 'int' && p.max < p.min) ctx.addIssue({ code: 'custom', path: ['max'], message: `must be ≥ min (${p.min})` });
    if (p.type === 'string') {
      let re: RegExp | null = null;
      try {
        re = new RegExp(`^(?:${p.pattern})$`);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: `is not a valid regular expression: ${(err as Error).message}` });
      }
      if (p.secret && p.default !== undefined) ctx.addIssue({ code: 'custom', path: ['default'], message: 'a secret param has no default: it is asked for privately each time' });
      if (re && p.default !== undefined && !re.test(p.default)) ctx.addIssue({ code: 'custom', path: ['default'], message: `must match the pattern ${p.pattern}` });
    }
    if (p.type === 'enum' && p.default !== undefined && !p.values.includes(p.default)) ctx.addIssue({ code: 'custom', path: ['default'], message: `must be one of ${p.values.join(', ')}` });
    if (p.type === 'int' && p.default !== undefined && (p.default < p.min || p.default > p.max)) ctx.addIssue({ code: 'custom', path: ['default'], message: `must be within ${p.min}–${p.max}` });
  })
  .transform((p) => {
    if (p.type === 'bool') return { ...p, required: false as boolean };
    // A param with a default is never missing.
    return { ...p, required: p.default === undefined ? (p.required ?? true) : false };
  });
export type ParamConfig = z.infer<typeof paramSchema>;

/**
 * Rules between params, checked after each value passed its own: `{ lte: [min, max] }` (an HPA's
 * minReplicas ≤ maxReplicas), `{ lt: [a, b] }`. A rule whose params were not both given is skipped.
 */
export const paramRuleSchema = z.union([
  z.object({ lte: z.tuple([z.string(), z.string()]) }).strict(),
  z.object({ lt: z.tuple([z.string(), z.string()]) }).strict(),
]);
export type ParamRuleConfig = z.infer<typeof paramRuleSchema>;

/** Problems of `rules:` against the params they name: declared, and int (only numbers compare). */
export function paramRuleProblems(params: Record<string, ParamConfig>, rules: readonly ParamRuleConfig[]): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  rules.forEach((r, i) => {
    const [op, pair] = 'lte' in r ? ['lte', r.lte] : ['lt', r.lt];
    pair.forEach((name, j) => {
      const p = Object.hasOwn(params, name) ? params[name] : undefined;
      if (!p) problems.push({ path: ['rules', i, op, j], message: `"${name}" is not a declared param` });
      else if (p.type !== 'int') problems.push({ path: ['rules', i, op, j], message: `"${name}" is a ${p.type} param; ${op} compares int params` });
    });
  });
  return problems;
}

import { z } from 'zod';
import { cronProblem } from './cron-expression.js';
import { paramRuleProblems, paramRuleSchema, paramSchema, type ParamConfig } from './params-schema.js';

/**
 * `{name}` in a procedure step: filled from the procedure's validated params only. `{labels.name}`
 * is the same param `name`, spelled for a procedure an alert route diagnoses with: there the alert's
 * label of that name fills it, checked by the param's type and pattern like a typed value.
 */
export const PROCEDURE_PLACEHOLDER = /\{(?:labels\.)?([a-z_][a-z0-9_]*)\}/g;

const stepName = z.string().min(1).max(80);

/** Each step does one thing: exactly one of run, check, wait, approve, manual. */
const STEP_KINDS = ['run', 'check', 'wait', 'approve', 'manual'] as const;
export type ProcedureStepKind = (typeof STEP_KINDS)[number];

export const procedureStepSchema = z
  .object({
    name: stepName.optional(),
    /** A chat command, e.g. "/scale litellm 0": it keeps its own validation, role and lease. */
    run: z.string().min(2).max(500).regex(/^\//, 'must be a chat command starting with "/"').optional(),
    /** A configured health check (services.NAME.health or datastores.NAME) that must pass. */
    check: z.string().min(1).optional(),
    /** Polls a health check until it passes, or fails after timeout_s. */
    wait: z
      .object({ until: z.string().min(1), timeout_s: z.number().int().min(1).max(3600).default(300), every_s: z.number().int().min(1).max(600).default(5) })
      .strict()
      .optional(),
    /** A gate: someone with the procedure's role presses Approve or Reject. */
    approve: z.string().min(1).max(300).optional(),
    /** Something a person does by hand, then presses Done. */
    manual: z.string().min(1).max(300).optional(),
    timeout_s: z.number().int().min(1).max(3600).optional(),
    /** Further attempts after a failure, with backoff (1 s, 2 s, 4 s …). */
    retries: z.number().int().min(0).max(5).default(0),
    continue_on_failure: z.boolean().default(false),
    /** Lets a /scale step go below replicas.min (typed /scale still refuses). */
    below_min: z.boolean().default(false),
  })
  .strict()
  .superRefine((s, ctx) => {
    const kinds = STEP_KINDS.filter((k) => s[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: kinds.length === 0 ? 'needs one of run, check, wait, approve or manual' : `does one thing: it has ${kinds.join(' and ')}` });
    }
    if (s.below_min && (s.run === undefined || !/^\/scale\s/.test(s.run))) ctx.addIssue({ code: 'custom', path: ['below_min'], message: 'is only for a run: "/scale …" step' });
  });
export type ProcedureStepConfig = z.infer<typeof procedureStepSchema>;

export type ProcedureParamConfig = ParamConfig;

export const procedureSchema = z
  .object({
    description: z.string().min(1),
    /** Needed to request, confirm, approve gates and press the card's buttons. */
    role: z.string().min(1).default('responders'),
    params: z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/, 'param names are lowercase letters, digits and "_"'), paramSchema).default({}),
    /** Rules between params, e.g. [{ lte: [min, max] }]: refused with one sentence before anything runs. */
    rules: z.array(paramRuleSchema).default([]),
    steps: z.array(procedureStepSchema).min(1),
    /** Run after the first failed step (each best effort), before the card offers Retry / Skip / Abort. */
    on_failure: z.array(procedureStepSchema).default([]),
    /**
     * Cron (UTC; 5 fields, or 6 with seconds). A read-only procedure runs unattended at each slot and
     * posts its report in the incidents channel; one with any mutating step posts its confirmation
     * card instead. Each slot once across replicas. With its params' defaults.
     */
    schedule: z
      .string()
      .min(1)
      .refine((s) => cronProblem(s) === null, 'is not a valid cron expression: write 5 fields (minute hour day month weekday), e.g. "0 3 * * *" for 03:00 UTC every day')
      .optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.schedule !== undefined) {
      for (const [key, param] of Object.entries(p.params)) {
        if (param.required && param.default === undefined) {
          ctx.addIssue({ code: 'custom', path: ['params', key], message: `has no default, but the procedure has a schedule and runs with its params' defaults: give ${key} a default` });
        }
      }
    }
    for (const r of paramRuleProblems(p.params, p.rules)) ctx.addIssue({ code: 'custom', path: r.path, message: r.message });
    const secrets = new Set(Object.entries(p.params).filter(([, param]) => param.type === 'string' && param.secret).map(([n]) => n));
    if (p.schedule !== undefined) {
      for (const n of secrets) ctx.addIssue({ code: 'custom', path: ['params', n, 'secret'], message: 'a scheduled procedure runs unattended, and no one would be asked for this secret: drop the schedule or the secret param' });
    }
    const check = (text: string, path: (string | number)[]) => {
      for (const m of text.matchAll(PROCEDURE_PLACEHOLDER)) {
        if (!Object.hasOwn(p.params, m[1]!)) ctx.addIssue({ code: 'custom', path, message: `uses {${m[1]}}, which is not a declared param` });
        // A step's text is shown on the card and stored with the run: a secret reaches a /run step by name instead.
        else if (secrets.has(m[1]!)) ctx.addIssue({ code: 'custom', path, message: `uses {${m[1]}}, a secret param: a step's command is shown on the card and stored with the run, so a secret is never written into it; a /run step whose action has a secret param of the same name gets it privately` });
      }
    };
    for (const list of ['steps', 'on_failure'] as const) {
      p[list].forEach((s, i) => {
        if (s.run !== undefined) check(s.run, [list, i, 'run']);
        if (list === 'on_failure' && (s.approve !== undefined || s.manual !== undefined)) {
          ctx.addIssue({ code: 'custom', path: [list, i], message: 'on_failure steps run unattended: use run, check or wait' });
        }
      });
    }
  });
export type ProcedureConfig = z.infer<typeof procedureSchema>;

/** Commands whose first argument is a service name, checked against services: when written literally. */
const SERVICE_COMMANDS = new Set(['scale', 'restart', 'rollback', 'status']);

/**
 * What the procedures may name elsewhere in the config: health checks, services, roles. The rest
 * (a run step's arguments) is checked by the command itself when /procedure plans it.
 */
export function procedureReferenceProblems(
  procedures: Record<string, ProcedureConfig>,
  known: { checks: string[]; services: Record<string, { deploy?: unknown }>; roles: Record<string, unknown> },
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [name, p] of Object.entries(procedures)) {
    if (p.role !== 'responders' && p.role !== 'admins' && !Object.hasOwn(known.roles, p.role)) {
      problems.push({ path: ['procedures', name, 'role'], message: `role "${p.role}" is not defined under roles` });
    }
    for (const list of ['steps', 'on_failure'] as const) {
      p[list].forEach((s, i) => {
        const at = ['procedures', name, list, i];
        const checkName = s.check ?? s.wait?.until;
        if (checkName !== undefined && !known.checks.includes(checkName)) {
          problems.push({ path: [...at, s.check !== undefined ? 'check' : 'wait'], message: `"${checkName}" is not a health check (services.NAME.health or datastores.NAME); known: ${known.checks.join(', ') || 'none'}` });
        }
        if (s.run !== undefined) {
          const [cmd, svc] = s.run.trim().slice(1).split(/\s+/);
          if (cmd && SERVICE_COMMANDS.has(cmd) && svc && !svc.includes('{') && !known.services[svc.toLowerCase()]?.deploy) {
            problems.push({ path: [...at, 'run'], message: `"${svc}" is not a service with a deploy config` });
          }
        }
      });
    }
  }
  return problems;
}

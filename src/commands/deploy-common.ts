import { z } from 'zod';
import type { FirebreakConfig, ServiceConfig } from '../config/schema.js';
import { formatArgv } from '../core/argv-display.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { Outcome } from '../core/outcome.js';
import type { DeployConfig, DeployOperation, DeployPort, DeployRunResult, DeployState, DeployTarget } from '../core/ports.js';
import { excerpt } from '../core/redact.js';
import type { Reply } from '../core/reply.js';
import type { CommandContext } from '../core/spec.js';
import { cut } from '../core/text-format.js';

/** The role every deploy operation needs, to request and to confirm. */
export const DEPLOY_ROLE = 'responders';

/** Services that have a deploy config, for Discord choices and "known services" lists. */
export function deployableServices(config: FirebreakConfig): string[] {
  return Object.entries(config.services).filter(([, s]) => s.deploy).map(([n]) => n);
}

/** Chat text and Discord options both arrive here: numbers as strings or numbers. */
export const wordArg = z.union([z.string(), z.number()]).transform((v) => String(v)).optional();

export function invalid(title: string, text: string): Outcome {
  return { status: 'invalid', reply: { title, status: 'error', text, ephemeral: true } };
}

export function failed(title: string, text: string): Outcome {
  return { status: 'failed', reply: { title, status: 'error', text } };
}

/**
 * The config's own key for a typed service name. Keys are lowercase (the schema says so), and
 * people type `/status API` as often as `/status api`: both mean the same service.
 */
export function serviceKey(config: FirebreakConfig, typed: string): string | undefined {
  const key = typed.toLowerCase();
  return Object.hasOwn(config.services, key) ? key : undefined;
}

export type Resolved = { ok: true; name: string; service: ServiceConfig; deploy: DeployConfig; port: DeployPort } | { ok: false; outcome: Outcome };

/**
 * Looks the service up in the config. The typed name is only ever compared with config keys;
 * it never reaches an argv (the config's own name does).
 */
export function resolveService(ctx: CommandContext, command: string, typed: string | undefined, verb: string): Resolved {
  const known = deployableServices(ctx.config);
  const knownText = known.length > 0 ? `Services you can ${verb}: ${known.join(', ')}.` : 'No service has a deploy config yet (services.NAME.deploy).';
  if (typed === undefined || typed === '') return { ok: false, outcome: invalid(`/${command}: which service?`, `Name a service: /${command} SERVICE. ${knownText}`) };
  const name = serviceKey(ctx.config, typed);
  const service = name === undefined ? undefined : ctx.config.services[name];
  if (name === undefined || !service) {
    return { ok: false, outcome: invalid('Unknown service', `There is no service called "${cut(typed, 40)}".${didYouMean(typed, known)} ${knownText}`) };
  }
  if (!service.deploy) {
    return { ok: false, outcome: invalid(`${name} has no deploy config`, `${name} has no deploy config (services.${name}.deploy), so Firebreak cannot ${verb} it. ${knownText}`) };
  }
  const port = ctx.ports.deploy;
  if (!port) return { ok: false, outcome: failed(`/${command} is not available`, 'Deploy operations are not available in this Firebreak process (no deploy runner is wired). Nothing was run.') };
  return { ok: true, name, service, deploy: service.deploy, port };
}

/** A whole number typed by a person; anything else (signs, decimals, words, huge numbers) is refused. */
export function wholeNumber(raw: string): number | null {
  return /^\d{1,7}$/.test(raw) ? Number(raw) : null;
}

/** The tag part of an image ("ghcr.io/acme/api:v1.2.3" → "api:v1.2.3"), for titles; fields show it whole. */
export function shortImage(image: string | null): string {
  if (!image) return 'unknown image';
  return image.split('/').pop() ?? image;
}

export function readyText(s: DeployState): string {
  return s.replicas === null ? 'unknown' : `${s.ready ?? 0}/${s.replicas} ready`;
}

export function target(r: Extract<Resolved, { ok: true }>): DeployTarget {
  return { service: r.name, deploy: r.deploy };
}

/**
 * Runs a confirmed operation, streaming output lines to the chat message and the timeline.
 * Progress writes are chained so they arrive in order and never outlive the operation.
 */
export async function runWithProgress(ctx: CommandContext, r: Extract<Resolved, { ok: true }>, op: DeployOperation, runningTitle: string): Promise<DeployRunResult> {
  const lines: string[] = [];
  let chain: Promise<void> = Promise.resolve();
  let recorded = 0;
  const onLine = (line: string) => {
    lines.push(line);
    const shown = excerpt(lines.join('\n'), 800);
    chain = chain
      .then(async () => {
        await ctx.progress({ title: runningTitle, status: 'pending', code: ctx.ports.redactor.redact(shown) });
        // A bounded number of timeline rows per run; the full excerpt is on the result row.
        if (recorded++ < 50) await ctx.record('action.progress', { output: ctx.ports.redactor.redact(line) });
      })
      .catch((err: unknown) => ctx.ports.logger.warn({ err: String(err) }, 'progress update failed'));
  };
  const result = await r.port.execute(target(r), op, onLine);
  await chain;
  return result;
}

/** The reply for a finished operation: the promise kept, or one sentence about what went wrong. */
export function finished(result: DeployRunResult, ok: Pick<Reply, 'title' | 'text' | 'fields'>, failTitle: string): Outcome {
  const execution = { argv: result.argv, exitCode: result.exitCode, durationMs: result.durationMs, output: result.output };
  if (!result.ok) {
    return {
      status: 'failed',
      reply: { title: failTitle, status: 'error', text: result.problem, code: result.output || undefined, context: result.argv.length > 0 ? formatArgv(result.argv) : undefined },
      execution,
    };
  }
  return {
    status: 'ok',
    reply: { ...ok, status: 'ok', code: result.output || undefined, context: formatArgv(result.argv) },
    execution,
  };
}

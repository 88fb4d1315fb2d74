import type { ProcedureConfig } from '../config/procedures-schema.js';
import type { FirebreakConfig } from '../config/schema.js';
import type { CommandCatalog } from '../core/command-catalog.js';
import { describeNotReadOnly, notReadOnlySteps } from './read-only.js';

/**
 * A label value may become one param value: one word nothing would split or take for an option
 * (no space, no leading "-"); the param's own type and pattern are checked after this.
 */
const SAFE_LABEL_VALUE = /^[A-Za-z0-9_.:@/+][A-Za-z0-9_.:@/+-]{0,99}$/;

/**
 * The params of a diagnosis from an alert's labels: each param of the procedure takes the label of
 * its name when the alert has one (else its default). A label value that is not one safe word is
 * refused here, so an alert label can never add an argument; runUnattended then checks each value
 * against its param's type and pattern.
 */
export function diagnosisParams(p: ProcedureConfig, labels: Readonly<Record<string, string>>): { ok: true; params: Record<string, string> } | { ok: false; why: string } {
  const params: Record<string, string> = {};
  for (const name of Object.keys(p.params)) {
    const value = Object.hasOwn(labels, name) ? labels[name] : undefined;
    if (value === undefined) continue;
    if (!SAFE_LABEL_VALUE.test(value)) return { ok: false, why: `the alert's label ${name} is not one plain word (letters, digits, . _ : @ / + -), so it cannot be a param` };
    params[name] = value;
  }
  return { ok: true, params };
}

/**
 * What `firebreak config check` refuses about routes' `diagnose:`: a procedure that is not
 * read-only (it would run with nobody confirming). Every step that is not, with its path.
 */
export function diagnoseProblems(config: FirebreakConfig, commands: CommandCatalog): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const [r, route] of config.alerts.routes.entries()) {
    if (route.diagnose === undefined) continue;
    const p = Object.hasOwn(config.procedures, route.diagnose) ? config.procedures[route.diagnose] : undefined;
    if (!p) continue;
    for (const s of notReadOnlySteps(p, config, commands)) {
      problems.push({ path: `alerts.routes[${r}].diagnose`, message: `procedure ${route.diagnose} runs unattended when an alert arrives, so every step must be read-only, but its ${describeNotReadOnly(s)}` });
    }
  }
  return problems;
}

/**
 * The diagnosis `/diagnose SERVICE` runs: the first route with `diagnose:` whose `match` names the
 * service (`match: { service: NAME }`); else the first whose procedure has a `service` param that
 * takes it (an enum listing it, or its default); null when none does.
 */
export function serviceDiagnosis(config: FirebreakConfig, service: string): { procedure: string; route: number } | null {
  const name = service.toLowerCase();
  const routes = config.alerts.routes.map((r, i) => ({ r, i })).filter(({ r }) => r.diagnose !== undefined && Object.hasOwn(config.procedures, r.diagnose));
  const named = routes.find(({ r }) => r.match.service?.toLowerCase() === name) ?? routes.find(({ r }) => takesService(config.procedures[r.diagnose!]!, name));
  return named ? { procedure: named.r.diagnose!, route: named.i } : null;
}

function takesService(p: ProcedureConfig, service: string): boolean {
  const param = p.params.service;
  if (!param) return false;
  if (param.type === 'enum') return param.values.includes(service);
  return param.type === 'string' && param.default === service;
}

/** Services with a diagnosis, for /diagnose's choices and its "did you mean". */
export function diagnosedServices(config: FirebreakConfig): string[] {
  const out = new Set<string>();
  for (const r of config.alerts.routes) {
    if (r.diagnose === undefined) continue;
    if (r.match.service !== undefined) out.add(r.match.service.toLowerCase());
    const param = config.procedures[r.diagnose]?.params.service;
    if (param?.type === 'enum') for (const v of param.values) out.add(v);
    else if (param?.type === 'string' && param.default !== undefined) out.add(param.default);
  }
  return [...out];
}

/**
 * Fills `{name}` placeholders in an argv template. Each template element stays exactly one
 * argument whatever the value contains, so a value can never add or split arguments. Values must
 * already be validated (known service, number in bounds, enum member) by the caller.
 */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

export function fillTemplateString(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([a-z_][a-z0-9_-]*)\}/gi, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new TemplateError(`template "${template}" uses {${name}}, which has no value here`);
    return v;
  });
}

export function fillArgv(template: readonly string[], values: Readonly<Record<string, string>>): string[] {
  return template.map((part) => fillTemplateString(part, values));
}

/** Placeholder names a template uses, to check config against the params it declares. */
export function placeholders(template: readonly string[] | string): string[] {
  const text = Array.isArray(template) ? template.join('\u0000') : (template as string);
  return [...new Set([...text.matchAll(/\{([a-z_][a-z0-9_-]*)\}/gi)].map((m) => m[1] as string))];
}

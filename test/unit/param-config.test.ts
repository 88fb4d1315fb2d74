import { describe, expect, it } from 'vitest';
import { configProblems } from '../support/config-problems.js';

const action = (body: string) => `
actions:
  a:
${body
  .trim()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`;

describe('params in the config: bool, defaults, secrets, rules, two_person', () => {
  it.each([
    ['a secret in argv', 'params: { k: { type: string, secret: true } }\nargv: [tool, "--key={k}"]', 'actions.a.argv[1]', 'uses the secret param {k}; pass it through env: instead (e.g. env: { API_KEY: "{k}" }), never argv'],
    ['a secret with a default', 'params: { k: { type: string, secret: true, default: abc } }\nenv: { K: "{k}" }\nargv: [tool]', 'actions.a.params.k.default', 'a secret param has no default: it is asked for privately each time'],
    ['a secret on an http action', 'params: { k: { type: string, secret: true } }\nhttp: { url: "http://x/" }', 'actions.a.params', 'secret params are for argv actions, which receive them through env:; an http action cannot take one'],
    ['a default outside the bounds', 'params: { n: { type: int, min: 1, max: 5, default: 9 } }\nargv: [tool, "{n}"]', 'actions.a.params.n.default', 'must be within 1–5'],
    ['an enum default not among the values', 'params: { m: { type: enum, values: [a, b], default: c } }\nargv: [tool, "{m}"]', 'actions.a.params.m.default', 'must be one of a, b'],
    ['a flag that is not an option', 'params: { d: { type: bool, flag: "rm -rf" } }\nargv: [tool, "{d}"]', 'actions.a.params.d.flag', 'must be an option such as --dry-run'],
    ['a rule on an undeclared param', 'params: { min: { type: int, min: 1, max: 5 } }\nrules: [{ lte: [min, max] }]\nargv: [tool]', 'actions.a.rules[0].lte[1]', '"max" is not a declared param'],
    ['a rule on a string param', 'params: { min: { type: int, min: 1, max: 5 }, s: { type: string } }\nrules: [{ lt: [min, s] }]\nargv: [tool]', 'actions.a.rules[0].lt[1]', '"s" is a string param; lt compares int params'],
    ['an env placeholder that is not a param', 'env: { K: "{nope}" }\nargv: [tool]', 'actions.a.env.K', 'uses {nope}, which is not a declared param'],
    ['two_person on a read-only action', 'read_only: true\nconfirm: two_person\nargv: [tool]', 'actions.a.confirm', 'a read_only action runs at once, without confirmation or lease; remove confirm: two_person, or read_only if it changes something'],
  ])('%s', (_name, body, path, message) => {
    expect(configProblems(action(body))).toContainEqual({ path, message });
  });

  it('a procedure secret is never written into a step\'s text, and a scheduled procedure cannot take one', () => {
    const yaml = `
procedures:
  p:
    description: d
    params: { k: { type: string, secret: true } }
    steps: [{ run: "/run rotate key={k}" }]
  s:
    description: d
    schedule: "0 3 * * *"
    params: { k: { type: string, secret: true, required: false } }
    steps: [{ manual: "do it" }]
`;
    const problems = configProblems(yaml);
    expect(problems).toContainEqual({
      path: 'procedures.p.steps[0].run',
      message: "uses {k}, a secret param: a step's command is shown on the card and stored with the run, so a secret is never written into it; a /run step whose action has a secret param of the same name gets it privately",
    });
    expect(problems).toContainEqual({ path: 'procedures.s.params.k.secret', message: 'a scheduled procedure runs unattended, and no one would be asked for this secret: drop the schedule or the secret param' });
  });
});

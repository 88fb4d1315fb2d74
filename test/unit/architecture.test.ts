import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseOptions, type ICruiseResult, type IFlattenedRuleSet } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

/** The rules of docs/architecture.md, as dependency-cruiser reads them. */
const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as { forbidden: IFlattenedRuleSet['forbidden']; options: ICruiseOptions };

/** Every violation as one line a person can act on: the rule, the edge (or the whole cycle). */
async function violations(dirs: string[], options: ICruiseOptions): Promise<string[]> {
  const { output } = await cruise(dirs, { ...options, validate: true, ruleSet: { forbidden: config.forbidden } });
  const result = output as ICruiseResult;
  return (result.summary.violations ?? []).map((v) => `${v.rule.name}: ${v.from} → ${v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to}`);
}

describe('architecture: the rooms import what docs/architecture.md says, and nothing imports in a circle', () => {
  it('src has no import cycle (type-only imports included) and no forbidden import', { timeout: 120_000 }, async () => {
    expect(await violations(['src'], config.options)).toEqual([]);
  });

  // The rules themselves can fail: a small tree with one of each kind of violation, cruised with them.
  const planted = mkdtempSync(join(tmpdir(), 'firebreak-arch-'));
  afterAll(() => rmSync(planted, { recursive: true, force: true }));
  const plant = (path: string, text: string) => {
    mkdirSync(dirname(join(planted, path)), { recursive: true });
    writeFileSync(join(planted, path), text);
  };

  it('reports a planted cycle, a core file importing a domain room and a domain room importing a chat platform', { timeout: 60_000 }, async () => {
    plant('src/core/spec.ts', "import type { Ports } from './services';\nexport interface Spec { ports: Ports }\n");
    plant('src/core/services.ts', "import type { Spec } from './spec';\nimport type { AlertStore } from '../alerts/alert-store';\nexport interface Ports { specs: Spec[]; alerts: AlertStore }\n");
    plant('src/alerts/alert-store.ts', "import { render } from '../chat/slack/render';\nexport interface AlertStore { render: typeof render }\n");
    plant('src/chat/slack/render.ts', 'export const render = (): string => "";\n');
    const found = await violations(['src'], { tsPreCompilationDeps: true, baseDir: planted });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^no-cycle: src\/core\/(spec|services)\.ts → /),
        'core-imports-only-core-and-config: src/core/services.ts → src/alerts/alert-store.ts',
        'domain-not-chat-commands-app: src/alerts/alert-store.ts → src/chat/slack/render.ts',
      ]),
    );
  });

  it('reports a planted domain room running a program (execa) and a core file importing the Slack SDK, by rule name', { timeout: 60_000 }, async () => {
    // Fake packages, so the rules meet real node_modules paths without the real ones' size.
    for (const pkg of ['execa', '@slack/bolt']) {
      plant(`node_modules/${pkg}/package.json`, JSON.stringify({ name: pkg, version: '0.0.0', main: 'index.js' }));
      plant(`node_modules/${pkg}/index.js`, 'module.exports = {};\n');
    }
    plant('src/alerts/run-tool.ts', "import { execa } from 'execa';\nexport const run = execa;\n");
    plant('src/core/slack-app.ts', "import { App } from '@slack/bolt';\nexport const app = App;\n");
    const found = await violations(['src'], { tsPreCompilationDeps: true, baseDir: planted, doNotFollow: { path: 'node_modules' } });
    expect(found).toEqual(
      expect.arrayContaining([
        'execa-pg-only-in-integrations-store: src/alerts/run-tool.ts → node_modules/execa/index.js',
        'slack-sdk-only-in-chat-slack: src/core/slack-app.ts → node_modules/@slack/bolt/index.js',
      ]),
    );
  });
});

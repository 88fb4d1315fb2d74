import { describe, expect, it } from 'vitest';
import { alice, consoleChan, testApp } from '../support/app.js';

/** A tool's output is stored in the run's step excerpt; PostgreSQL's jsonb refuses U+0000 in it. */
describe('a procedure step whose tool prints a NUL byte', () => {
  it('still runs to the end and is stored, the NUL dropped', { timeout: 120_000 }, async () => {
    const app = await testApp(`
roles:
  responders: ["console:alice"]
actions:
  binary-output:
    read_only: true
    argv: ["${process.execPath}", "-e", "process.stdout.write('k8s\\\\u0000 envelope')"]
procedures:
  prints-nul:
    description: One step whose output has a NUL byte
    steps:
      - run: "/run binary-output"
`);
    try {
      const r = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/procedure prints-nul' }, autoConfirm: true });
      expect(r.reply.title).toBe('Procedure prints-nul: all 1 steps done');
      const run = (await app.ports.procedureRuns.withStatus(['done']))[0]!;
      expect(run.steps[0]!.excerpt).toContain('k8s envelope');
    } finally {
      await app.close();
    }
  });
});

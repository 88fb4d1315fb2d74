import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePagerDuty, type FakePagerDuty } from '../fakes/pagerduty.js';
import { waitFor } from '../support/wait.js';

const BIN = resolve('bin/firebreak.js');
const OS_USER = userInfo().username;
const KEY = 'drillclikey000000000000000000000';

/**
 * /drill on the console as a user runs it: `firebreak start` holds the embedded store and runs the
 * alert outbox; `firebreak run "/drill …"` is forwarded to it and prints the report with every hop;
 * PagerDuty (a local fake) hears nothing; afterwards nothing is firing and no incident is open.
 */
describe('firebreak run "/drill" against firebreak start', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-drill-'));
  const config = join(dir, 'firebreak.yml');
  const env = { FIREBREAK_CONFIG: config, FIREBREAK_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '' };
  let pd: FakePagerDuty;
  let server: ResultPromise | undefined;

  const firebreak = (args: string[]) =>
    execa('node', [BIN, ...args], { cwd: dir, reject: false, timeout: 120_000, env, extendEnv: false }).then((r) => ({ code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }));

  beforeAll(async () => {
    pd = await startFakePagerDuty({ routingKey: KEY });
    writeFileSync(
      config,
      `
roles: { responders: ["console:${OS_USER}"] }
alerts:
  watch: { enabled: false }
  pagerduty: { routing_key: ${KEY}, api_url: "${pd.url}" }
  routes:
    - { match: { alertname: ProviderDown }, severity: critical, incident: sev1 }
  escalation:
    - { after_min: 5, mention: ["console:oncall"] }
    - { after_min: 15, pagerduty: true }
`,
    );
    server = execa('node', [BIN, 'start'], { cwd: dir, env: { ...env, PORT: '0' }, extendEnv: false, reject: false });
    let stderr = '';
    server.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    await waitFor(() => stderr.includes('Firebreak is running'), 90_000, 'firebreak start to come up');
  }, 120_000);
  afterAll(async () => {
    if (server) {
      server.kill('SIGTERM');
      await server;
    }
    await pd?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints every hop, pages and mentions nobody, and leaves nothing firing and no incident open', async () => {
    const r = await firebreak(['run', '/drill ProviderDown']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^🧪 DRILL: the alert path works \(\d+(\.\d)? m?s\)$/m);
    expect(r.stdout).toMatch(/✅ webhook stored alert group \d+ in #incidents in /);
    expect(r.stdout).toMatch(/✅ card posted on console in /);
    expect(r.stdout).toMatch(/✅ escalation step 1 would mention @oncall after 5 min/);
    expect(r.stdout).toMatch(/✅ escalation step 2 would page PagerDuty \(not paged without --page\) after 15 min/);
    expect(r.stdout).toMatch(/✅ card shows it resolved in /);
    expect(pd.requests).toHaveLength(0);

    const alerts = await firebreak(['run', '/alerts']);
    expect(alerts.stdout).toMatch(/0 groups firing, 0 alerts/);
    const incidents = await firebreak(['run', '/incident list']);
    expect(incidents.stdout).toMatch(/No open incidents/);

    const bad = await firebreak(['run', '/drill NoSuchRoute']);
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toContain('"NoSuchRoute" is not an alert route: name one by its number (1–1) or by the alertname or service its match names (ProviderDown).');
  });
});

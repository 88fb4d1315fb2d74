import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/core/redact.js';
import { GitHubIssues } from '../../src/integrations/github/issues-client.js';
import { JiraIssues } from '../../src/integrations/jira/issues-client.js';
import { fileDraft, type FilingPorts } from '../../src/postmortems/ticket-filing.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { SqlPostmortemTicketRepository } from '../../src/store/postmortem-ticket-repository.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github-api.js';
import { startFakeJira, type FakeJira } from '../fakes/jira-api.js';
import { insertIncident, sampleDraft } from '../support/postmortem-drafts.js';
import { createTestDatabase } from '../support/postgres.js';

/** Two replicas: two connection pools on one PostgreSQL database, each with its own repository and clients. */
describe('post-mortem tickets on two replicas: nothing is filed twice', () => {
  let store: Awaited<ReturnType<typeof createTestDatabase>>;
  const dbs: Db[] = [];
  let github: FakeGitHub;
  let jira: FakeJira;
  let replicas: FilingPorts[];

  beforeAll(async () => {
    store = await createTestDatabase('fb_pm_tickets');
    for (let i = 0; i < 2; i++) dbs.push(await openPostgres(store.url));
    await migrate(dbs[0]!);
    github = await startFakeGitHub({ repos: ['acme/shop'], tokens: ['gh-tok-race-1234'] });
    jira = await startFakeJira({ projects: { OPS: { issueTypes: ['Task'], subtaskTypes: ['Sub-task'] } }, users: { 'ops@acme.example': 'jira-tok-race-5678' } });
    replicas = dbs.map((db) => ({
      systems: [
        new GitHubIssues({ repo: 'acme/shop', token: 'gh-tok-race-1234', labels: [], apiUrl: github.url }),
        new JiraIssues({ url: jira.url, project: 'OPS', issueType: 'Task', subtaskType: 'Sub-task', email: 'ops@acme.example', token: 'jira-tok-race-5678', labels: [] }),
      ],
      tickets: new SqlPostmortemTicketRepository(db),
      redactor: new Redactor(),
    }));
  });
  afterAll(async () => {
    await github?.close();
    await jira?.close();
    for (const db of dbs) await db.close();
    await store?.drop();
  });

  it('two replicas filing the same incident at once create one GitHub issue and one Jira issue; the later one updates them', async () => {
    await insertIncident(dbs[0]!, 'INC-7');
    // A slow create keeps the first claim open while the other replica arrives.
    github.createDelayMs = 300;
    const [a, b] = await Promise.all(replicas.map((r) => fileDraft(r, 'INC-7', sampleDraft({ items: [] }))));
    github.createDelayMs = 0;
    expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(github.issues.get('acme/shop')).toHaveLength(1);
    expect(jira.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(jira.issues).toHaveLength(1);
    for (const system of [0, 1]) {
      expect([a![system]!.status, b![system]!.status].sort()).toEqual(['filed', 'updated']);
      expect(a![system]!.ticket).toEqual(b![system]!.ticket);
    }
  });

  it('two replicas regenerating with new action items file each sub-task once', async () => {
    const items = ['Alert on checkout 5xx above 1%', 'Add a canary for api', 'Page the API owner', 'Write the rollback runbook'];
    const outs = await Promise.all(replicas.map((r) => fileDraft(r, 'INC-7', sampleDraft({ version: 2, items }))));
    expect(outs.flat().map((o) => o.status)).toEqual(['updated', 'updated', 'updated', 'updated']);
    expect(jira.issues.filter((i) => i.parent !== null).map((i) => i.summary).sort()).toEqual([...items].sort());
    expect(github.issues.get('acme/shop')).toHaveLength(1);
    expect(await replicas[1]!.tickets.filedItems('INC-7', 'jira')).toHaveProperty('size', 4);
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/core/redact.js';
import { GitHubIssues } from '../../src/integrations/github/issues-client.js';
import { JiraIssues } from '../../src/integrations/jira/issues-client.js';
import { PostmortemDirectory } from '../../src/integrations/directory/postmortem-files.js';
import { buildRedactor, ticketSystems } from '../../src/main.js';
import { fileDraft, type FilingPorts } from '../../src/postmortems/ticket-filing.js';
import type { TicketSystem } from '../../src/postmortems/ticket-system.js';
import type { Db } from '../../src/store/db.js';
import { SqlPostmortemTicketRepository } from '../../src/store/postmortem-ticket-repository.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github-api.js';
import { startFakeJira, type FakeJira } from '../fakes/jira-api.js';
import { configFrom, testRuntime } from '../support/app.js';
import { adfNodeTypes, insertIncident, sampleDraft } from '../support/postmortem-drafts.js';
import { borrowStore } from '../support/store-pool.js';

const GH_TOKEN = 'gh-tok-7f3a9c2e1b44';
const JIRA_TOKEN = 'jira-tok-5d8e2a90cc';
const JIRA_EMAIL = 'ops@acme.example';

describe('post-mortem tickets against GitHub and Jira fakes and a directory', () => {
  let db: Db;
  let github: FakeGitHub;
  let jira: FakeJira;
  let dir: string;
  let n = 0;
  const incident = async () => {
    const id = `INC-${++n}`;
    await insertIncident(db, id);
    return id;
  };
  const gh = (token = GH_TOKEN) => new GitHubIssues({ repo: 'acme/shop', token, labels: ['postmortem'], apiUrl: github.url });
  const jiraSystem = () => new JiraIssues({ url: jira.url, project: 'OPS', issueType: 'Task', subtaskType: 'Sub-task', email: JIRA_EMAIL, token: JIRA_TOKEN, labels: [] });
  const ports = (...systems: TicketSystem[]): FilingPorts => ({ systems, tickets: new SqlPostmortemTicketRepository(db), redactor: new Redactor([GH_TOKEN, JIRA_TOKEN]) });
  const calls = (fake: { requests: { method: string; path: string }[] }, method: string) => fake.requests.filter((r) => r.method === method).map((r) => r.path);

  beforeAll(async () => {
    db = await borrowStore();
    github = await startFakeGitHub({ repos: ['acme/shop'], tokens: [GH_TOKEN] });
    jira = await startFakeJira({ projects: { OPS: { issueTypes: ['Task'], subtaskTypes: ['Sub-task'] } }, users: { [JIRA_EMAIL]: JIRA_TOKEN } });
    dir = mkdtempSync(join(tmpdir(), 'firebreak-postmortems-'));
  });
  afterAll(async () => {
    await github?.close();
    await jira?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('files a GitHub issue once and, on regenerate, PATCHes that issue with the new body instead of filing another', async () => {
    const id = await incident();
    github.requests.length = 0;
    const [first] = await fileDraft(ports(gh()), id, sampleDraft({ version: 1 }));
    const number = github.issues.get('acme/shop')!.length;
    expect(first).toMatchObject({ system: 'github', status: 'filed', ticket: { ref: `acme/shop#${number}`, url: `https://github.example/acme/shop/issues/${number}` } });
    expect(first!.sentence).toBe(`Filed as GitHub issue acme/shop#${number}: https://github.example/acme/shop/issues/${number}`);
    expect(github.requests[0]!.body).toEqual({ title: 'Post-mortem: INC checkout 5xx (sev2)', body: sampleDraft({ version: 1 }).markdown, labels: ['postmortem'] });
    // The action items are the body's task list on GitHub: nothing else is called for them.
    expect(github.requests[0]!.body).toMatchObject({ body: expect.stringContaining('- [ ] Alert on checkout 5xx above 1%\n- [ ] Add a canary for api') });

    const [second] = await fileDraft(ports(gh()), id, sampleDraft({ version: 2, items: ['Alert on checkout 5xx above 1%', 'Add a canary for api', 'Page the API owner'] }));
    expect(second).toMatchObject({ status: 'updated', ticket: { ref: `acme/shop#${number}` } });
    expect(calls(github, 'POST')).toEqual(['/repos/acme/shop/issues']);
    expect(calls(github, 'PATCH')).toEqual([`/repos/acme/shop/issues/${number}`]);
    expect(github.requests[1]!.body).toEqual({ title: 'Post-mortem: INC checkout 5xx (sev2)', body: expect.stringContaining('draft 2') });
    expect(github.issues.get('acme/shop')!.filter((i) => i.title.startsWith('Post-mortem'))).toHaveLength(number);
    expect(github.issues.get('acme/shop')![number - 1]!.body).toContain('- [ ] Page the API owner');
    expect(await new SqlPostmortemTicketRepository(db).get(id, 'github')).toMatchObject({ ref: `acme/shop#${number}`, claimId: null, lastError: null });
  });

  it('says an expired token in one sentence, keeps it with the ticket row, and files nothing', async () => {
    const id = await incident();
    const before = github.issues.get('acme/shop')!.length;
    const [out] = await fileDraft(ports(gh('gh-tok-expired-000111')), id, sampleDraft());
    expect(out).toMatchObject({ status: 'failed', ticket: null });
    expect(out!.sentence).toBe('GitHub refused the token (401 Bad credentials): set a valid GITHUB_TOKEN with issues:write on acme/shop.');
    expect(await new SqlPostmortemTicketRepository(db).get(id, 'github')).toMatchObject({ ref: null, claimId: null, lastError: out!.sentence });
    expect(github.issues.get('acme/shop')!.length).toBe(before);
    // The next attempt (Retry) with a valid token files it: the failed row is no obstacle.
    const [again] = await fileDraft(ports(gh()), id, sampleDraft());
    expect(again).toMatchObject({ status: 'filed' });
    expect(await new SqlPostmortemTicketRepository(db).get(id, 'github')).toMatchObject({ ref: again!.ticket!.ref, lastError: null });
  });

  it('a claim another replica holds means it is filing now: busy, nothing sent; a claim its filer abandoned is taken over', async () => {
    const id = await incident();
    const repo = new SqlPostmortemTicketRepository(db);
    expect(await repo.claim(id, 'github', 'replica-b-claim')).toBe(true);
    github.requests.length = 0;
    const [busy] = await fileDraft(ports(gh()), id, sampleDraft(), { busyWaitMs: 0 });
    expect(busy).toMatchObject({ status: 'busy', ticket: null });
    expect(busy!.sentence).toBe('Another Firebreak replica is filing this post-mortem with GitHub right now; run /incident postmortem again in a minute to update it.');
    expect(github.requests).toHaveLength(0);
    const [taken] = await fileDraft(ports(gh()), id, sampleDraft(), { busyWaitMs: 0, staleClaimMs: 0 });
    expect(taken!.status).toBe('filed');
    expect(github.requests.map((r) => r.method)).toEqual(['POST']);
    // The abandoned filer finishing late cannot overwrite the ticket that was filed.
    expect(await repo.recordFiled(id, 'github', 'replica-b-claim', 'acme/shop#999', null)).toBe(false);
    expect((await repo.get(id, 'github'))!.ref).toBe(taken!.ticket!.ref);
  });

  it('cuts a body over GitHub’s 65,536 characters at a line and says so, so the issue is still filed', async () => {
    const id = await incident();
    const draft = sampleDraft();
    const long = { ...draft, markdown: `${draft.markdown}\n${'| 10:03 | alice | note | a line of the timeline |\n'.repeat(2000)}` };
    github.requests.length = 0;
    const [out] = await fileDraft(ports(gh()), id, long);
    expect(out!.status).toBe('filed');
    const body = (github.requests[0]!.body as { body: string }).body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.startsWith(draft.markdown)).toBe(true);
    expect(body).toMatch(/\| a line of the timeline \|\n\n… \(cut to fit GitHub's 65,536-character limit; the full draft is in Firebreak\)$/);
  });

  it('retries once after a 429 (honouring Retry-After) and an update after a 502, never a create after a 502, and does not wait out a long Retry-After', async () => {
    const id = await incident();
    github.requests.length = 0;
    const before = github.issues.get('acme/shop')!.length;
    github.failNext(429, { message: 'API rate limit exceeded', documentation_url: 'x' }, { headers: { 'retry-after': '0' } });
    const [filed] = await fileDraft(ports(gh()), id, sampleDraft());
    expect(filed!.status).toBe('filed');
    expect(calls(github, 'POST')).toHaveLength(2);
    expect(github.issues.get('acme/shop')!.length).toBe(before + 1);

    github.failNext(502, { message: 'Server Error' }, { headers: { 'retry-after': '0' } });
    expect((await fileDraft(ports(gh()), id, sampleDraft({ version: 2 })))[0]!.status).toBe('updated');
    expect(calls(github, 'PATCH')).toHaveLength(2);

    const other = await incident();
    github.failNext(502, { message: 'Server Error' }, { headers: { 'retry-after': '0' } });
    const [failed] = await fileDraft(ports(gh()), other, sampleDraft());
    expect(failed!.sentence).toBe('GitHub failed (502 Server Error); press Retry later.');
    expect(calls(github, 'POST')).toHaveLength(3);

    // A Retry-After longer than is worth waiting in a chat command: said, not waited for.
    github.failNext(403, { message: 'You have exceeded a secondary rate limit.' }, { headers: { 'retry-after': '600' } });
    const [limited] = await fileDraft(ports(gh()), other, sampleDraft());
    expect(limited!.sentence).toBe('GitHub is rate limiting this token (403 You have exceeded a secondary rate limit); press Retry in 10 min.');
    expect(calls(github, 'POST')).toHaveLength(4);
  });

  it('files a Jira issue whose description is the ADF (table and code block kept) and each action item as a sub-task, once', async () => {
    const id = await incident();
    jira.requests.length = 0;
    const draft = sampleDraft({ items: ['Alert on checkout 5xx above 1%', 'Add a canary for api'] });
    const [out] = await fileDraft(ports(jiraSystem()), id, draft);
    expect(out).toMatchObject({ status: 'filed', ticket: { ref: 'OPS-1', url: `${jira.url}/browse/OPS-1` } });
    const create = jira.requests[0]!;
    expect(create.path).toBe('/rest/api/3/issue');
    expect(Buffer.from(String(create.headers.authorization).replace(/^Basic /, ''), 'base64').toString()).toBe(`${JIRA_EMAIL}:${JIRA_TOKEN}`);
    const fields = (create.body as { fields: Record<string, unknown> }).fields;
    expect(fields).toMatchObject({ project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'Post-mortem: INC checkout 5xx (sev2)' });
    expect(fields.description).toEqual(draft.adf);
    expect(adfNodeTypes(fields.description)).toEqual(expect.arrayContaining(['doc', 'table', 'tableRow', 'tableHeader', 'tableCell', 'codeBlock', 'taskList', 'taskItem']));
    expect(jira.issues.filter((i) => i.parent === 'OPS-1').map((i) => [i.issueType, i.summary])).toEqual([
      ['Sub-task', 'Alert on checkout 5xx above 1%'],
      ['Sub-task', 'Add a canary for api'],
    ]);

    // Regenerated with one more item: the issue is updated in place, only the new item is filed.
    jira.requests.length = 0;
    const [updated] = await fileDraft(ports(jiraSystem()), id, sampleDraft({ version: 2, items: ['Alert on checkout 5xx above 1%', 'Add a canary for api', 'Page the API owner'] }));
    expect(updated).toMatchObject({ status: 'updated', ticket: { ref: 'OPS-1' } });
    expect(jira.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['PUT /rest/api/3/issue/OPS-1', 'POST /rest/api/3/issue']);
    expect(adfNodeTypes((jira.requests[0]!.body as { fields: { description: unknown } }).fields.description)).toEqual(expect.arrayContaining(['table', 'codeBlock']));
    expect(jira.issues.filter((i) => i.parent === null)).toHaveLength(1);
    expect(jira.issues.filter((i) => i.parent === 'OPS-1').map((i) => i.summary)).toEqual(['Alert on checkout 5xx above 1%', 'Add a canary for api', 'Page the API owner']);

    jira.requests.length = 0;
    await fileDraft(ports(jiraSystem()), id, sampleDraft({ version: 3, items: ['Alert on checkout 5xx above 1%', 'Add a canary for api', 'Page the API owner'] }));
    expect(jira.requests.map((r) => r.method)).toEqual(['PUT']);
  });

  it("says Jira's refusals in one sentence: bad credentials, an issue type the project lacks", async () => {
    const badToken = new JiraIssues({ url: jira.url, project: 'OPS', issueType: 'Task', subtaskType: 'Sub-task', email: JIRA_EMAIL, token: 'jira-revoked-9999', labels: [] });
    expect((await fileDraft(ports(badToken), await incident(), sampleDraft()))[0]!.sentence).toBe(
      `Jira refused the credentials (401): set a valid JIRA_TOKEN, an API token of ${JIRA_EMAIL}, for ${new URL(jira.url).host}.`,
    );
    const badType = new JiraIssues({ url: jira.url, project: 'OPS', issueType: 'Postmortem', subtaskType: 'Sub-task', email: JIRA_EMAIL, token: JIRA_TOKEN, labels: [] });
    expect((await fileDraft(ports(badType), await incident(), sampleDraft()))[0]!.sentence).toBe(
      "Jira refused the issue (400 issuetype: Specify a valid issue type): check postmortems.jira.project and issue_type against the project's issue types.",
    );
  });

  it('writes <incident-id>.md into the directory, replaced whole on regenerate, no temporary file left', async () => {
    const id = await incident();
    const system = new PostmortemDirectory(join(dir, 'nested'));
    const [out] = await fileDraft(ports(system), id, sampleDraft({ version: 1 }));
    const file = join(dir, 'nested', `${id}.md`);
    expect(out).toMatchObject({ status: 'filed', ticket: { ref: file }, sentence: `Filed as the file ${file}.` });
    expect(readFileSync(file, 'utf8')).toBe(sampleDraft({ version: 1 }).markdown);
    const [again] = await fileDraft(ports(system), id, sampleDraft({ version: 2 }));
    expect(again).toMatchObject({ status: 'updated', sentence: `Updated the file ${file}.` });
    expect(readFileSync(file, 'utf8')).toBe(sampleDraft({ version: 2 }).markdown);
    expect(readdirSync(join(dir, 'nested'))).toEqual([`${id}.md`]);
  });

  it('never puts a secret in a ticket: the config’s token values are masked in every body, and only the auth headers carry them', async () => {
    const env = { GITHUB_TOKEN: GH_TOKEN, JIRA_TOKEN: JIRA_TOKEN };
    const loaded = configFrom(
      [
        'postmortems:',
        `  github: { repo: acme/shop, token: "\${GITHUB_TOKEN}", labels: [postmortem], api_url: "${github.url}" }`,
        `  jira: { url: "${jira.url}", project: OPS, email: ${JIRA_EMAIL}, token: "\${JIRA_TOKEN}" }`,
        `  directory: { path: "${join(dir, 'secrets')}" }`,
      ].join('\n'),
      env,
    );
    const wired: FilingPorts = { systems: ticketSystems(loaded.config), tickets: new SqlPostmortemTicketRepository(db), redactor: buildRedactor(testRuntime(), loaded) };
    const id = await incident();
    github.requests.length = 0;
    jira.requests.length = 0;
    // A timeline that leaked both tokens (an argument, a header echoed by a tool) into the draft and an action item.
    const leaked = sampleDraft({ extra: `Authorization: ${GH_TOKEN} jira=${JIRA_TOKEN}`, items: [`Rotate ${GH_TOKEN}`] });
    const outs = await fileDraft(wired, id, leaked);
    expect(outs.map((o) => [o.system, o.status])).toEqual([['github', 'filed'], ['jira', 'filed'], ['directory', 'filed']]);
    await fileDraft(wired, id, { ...leaked, title: `Post-mortem ${JIRA_TOKEN}` });

    const sent = [...github.requests, ...jira.requests];
    expect(sent.map((r) => r.method)).toEqual(['POST', 'PATCH', 'POST', 'POST', 'PUT']);
    for (const r of sent) {
      expect(r.raw).not.toContain(GH_TOKEN);
      expect(r.raw).not.toContain(JIRA_TOKEN);
    }
    expect(github.requests[0]!.raw).toContain('X-Master-Key: *** Authorization: *** jira=***');
    expect(github.requests.every((r) => r.headers.authorization === `Bearer ${GH_TOKEN}`)).toBe(true);
    expect(jira.requests.every((r) => Buffer.from(String(r.headers.authorization).slice(6), 'base64').toString() === `${JIRA_EMAIL}:${JIRA_TOKEN}`)).toBe(true);
    const file = readFileSync(join(dir, 'secrets', `${id}.md`), 'utf8');
    expect(file).not.toContain(GH_TOKEN);
    expect(file).not.toContain(JIRA_TOKEN);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../src/core/dispatcher.js';
import type { App } from '../../src/main.js';
import { fileDraft } from '../../src/postmortems/ticket-filing.js';
import { ticketParts } from '../../src/postmortems/retry-button.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github-api.js';
import { alice, consoleChan, mallory, testApp } from '../support/app.js';
import { insertIncident, sampleDraft } from '../support/postmortem-drafts.js';

const TOKEN = 'gh-tok-retry-4242aa';

describe('the Retry button (pm-retry:<incident>) files the post-mortem again', () => {
  let github: FakeGitHub;
  let app: App;
  let dispatcher: Dispatcher;

  beforeAll(async () => {
    // GitHub refuses the token at first (SSO not yet authorized for it), then accepts it.
    github = await startFakeGitHub({ repos: ['acme/shop'], tokens: [] });
    app = await testApp(
      [
        'roles:',
        '  responders: ["console:alice"]',
        'postmortems:',
        `  github: { repo: acme/shop, token: "\${GITHUB_TOKEN}", labels: [postmortem], api_url: "${github.url}" }`,
      ].join('\n'),
      { env: { GITHUB_TOKEN: TOKEN } },
    );
    await insertIncident(app.db, 'INC-9');
    // The draft builder's store is not wired on this branch: Retry reads the latest draft through this port.
    const ports = { ...app.ports, tickets: { ...app.ports.tickets!, drafts: { latest: async (id: string) => (id === 'INC-9' ? sampleDraft({ version: 3 }) : null) } } };
    dispatcher = new Dispatcher(app.loaded.config, ports, app.metrics);
  });
  afterAll(async () => {
    await app?.close();
    await github?.close();
  });

  it('a failed filing offers Retry; only a responder may press it; pressing it files the ticket once and says where', async () => {
    const outcomes = await fileDraft({ ...app.ports.tickets!, redactor: app.ports.redactor }, 'INC-9', sampleDraft({ version: 1 }));
    const parts = ticketParts('INC-9', outcomes);
    expect(parts).toEqual({
      fields: [{ label: 'GitHub', value: 'GitHub refused the token (401 Bad credentials): set a valid GITHUB_TOKEN with issues:write on acme/shop.' }],
      buttons: [{ actionId: 'pm-retry:INC-9', label: 'Retry filing' }],
    });

    const denied = await dispatcher.dispatch({ actor: mallory, channel: consoleChan, input: { kind: 'action', actionId: 'pm-retry:INC-9' } });
    expect(denied.status).toBe('denied');
    expect(denied.reply.text).toContain('needs the "responders" role');
    expect(github.requests).toHaveLength(1);

    github.tokens.add(TOKEN);
    const r = await dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: 'pm-retry:INC-9' } });
    expect(r.status).toBe('ok');
    expect(r.placement).toEqual({ kind: 'thread' });
    expect(r.reply).toMatchObject({
      title: 'Post-mortem of INC-9 filed',
      fields: [{ label: 'GitHub', value: 'Filed as GitHub issue acme/shop#1: https://github.example/acme/shop/issues/1' }],
      context: 'Retried by alice',
    });
    expect(r.reply.buttons).toBeUndefined();
    expect(github.issues.get('acme/shop')!.map((i) => i.body)).toEqual([sampleDraft({ version: 3 }).markdown]);
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.outcome, e.detail.incident])).toEqual([['button', 'ok', 'INC-9']]);

    // Pressed again (a double click, another replica): the same issue is updated, not filed twice.
    const again = await dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: 'pm-retry:INC-9' } });
    expect(again.reply.fields).toEqual([{ label: 'GitHub', value: 'Updated GitHub issue acme/shop#1: https://github.example/acme/shop/issues/1' }]);
    expect(github.requests.map((q) => q.method)).toEqual(['POST', 'POST', 'PATCH']);
  });

  it('says so when there is no draft to file', async () => {
    const r = await dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: 'pm-retry:INC-404' } });
    expect(r.status).toBe('failed');
    expect(r.reply.text).toBe('There is no post-mortem draft of INC-404 to file; run /incident postmortem in its channel first.');
  });
});

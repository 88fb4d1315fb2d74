import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/core/dispatcher.js';
import type { AppPorts } from '../../src/app/ports.js';
import type { App } from '../../src/main.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github-api.js';
import { alice, consoleChan, mallory, testApp } from '../support/app.js';
import { insertIncident } from '../support/postmortem-drafts.js';

const TOKEN = 'gh-tok-retry-4242aa';

describe('the Retry button (pm-retry:<incident>) files the post-mortem again', () => {
  let github: FakeGitHub;
  let app: App;
  let dispatcher: Dispatcher<AppPorts>;

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
    // The real wiring: Retry drafts again from the store through the post-mortem service.
    dispatcher = app.dispatcher;
  });
  afterAll(async () => {
    await app?.close();
    await github?.close();
  });

  it('a failed filing offers Retry; only a responder may press it; pressing it files the ticket once and the card says where', async () => {
    const first = await app.ports.postmortems!.draft('INC-9');
    expect(first!.problems).toEqual(['GitHub refused the token (401 Bad credentials): set a valid GITHUB_TOKEN with issues:write on acme/shop.']);
    expect(first!.reply.buttons).toEqual([{ actionId: 'pm-retry:INC-9', label: 'Retry filing' }]);
    expect(first!.reply.fields).toContainEqual({ label: 'GitHub', value: 'GitHub refused the token (401 Bad credentials): set a valid GITHUB_TOKEN with issues:write on acme/shop.' });

    const denied = await dispatcher.dispatch({ actor: mallory, channel: consoleChan, input: { kind: 'action', actionId: 'pm-retry:INC-9' } });
    expect(denied.status).toBe('denied');
    expect(denied.reply.text).toContain('needs the "responders" role');
    expect(github.requests).toHaveLength(1);

    github.tokens.add(TOKEN);
    const r = await dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: 'pm-retry:INC-9' } });
    expect(r.status).toBe('ok');
    expect(r.placement).toEqual({ kind: 'private' });
    expect(r.reply.title).toBe('Post-mortem of INC-9 filed');
    // The card the button was on becomes the filed one, for everyone: the ticket's link, no Retry.
    expect(r.sourceUpdate?.fields).toContainEqual({ label: 'GitHub', value: 'Filed as GitHub issue acme/shop#1: https://github.example/acme/shop/issues/1' });
    expect(r.sourceUpdate?.buttons ?? []).toEqual([]);
    const [issue] = github.issues.get('acme/shop')!;
    expect(issue!.body).toContain('checkout 5xx');
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.outcome, e.detail.incident])).toEqual([['button', 'ok', 'INC-9']]);

    // Pressed again (a double click, another replica): the same issue is updated, not filed twice.
    const again = await dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: 'pm-retry:INC-9' } });
    expect(again.sourceUpdate?.fields).toContainEqual({ label: 'GitHub', value: 'Updated GitHub issue acme/shop#1: https://github.example/acme/shop/issues/1' });
    expect(github.requests.map((q) => q.method)).toEqual(['POST', 'POST', 'PATCH']);
  });

  it('says so when there is no such incident', async () => {
    const r = await dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: 'pm-retry:INC-404' } });
    expect(r.status).toBe('invalid');
    expect(r.reply.text).toBe('There is no incident INC-404; nothing was filed.');
  });
});

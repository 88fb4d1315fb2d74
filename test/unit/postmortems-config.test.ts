import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/config/load.js';

function problems(yaml: string, env: NodeJS.ProcessEnv = {}): { path: string; message: string }[] {
  try {
    parseConfigText(yaml, 'test.yml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(({ path, message }) => ({ path, message }));
    throw err;
  }
  throw new Error('config unexpectedly valid');
}

describe('postmortems: config', () => {
  it('takes each ticket system with its defaults, tokens from the environment', () => {
    const { config, secrets } = parseConfigText(
      [
        'postmortems:',
        '  github: { repo: acme/incidents, token: "${GITHUB_TOKEN}", labels: [postmortem] }',
        '  jira: { url: https://acme.atlassian.net, project: OPS, email: ops@acme.example, token: "${JIRA_TOKEN}" }',
        '  directory: { path: /var/lib/firebreak/postmortems }',
      ].join('\n'),
      'test.yml',
      { GITHUB_TOKEN: 'ghp_value1234', JIRA_TOKEN: 'jira-value-5678' },
    );
    expect(config.postmortems).toEqual({
      github: { repo: 'acme/incidents', token: 'ghp_value1234', labels: ['postmortem'], api_url: 'https://api.github.com' },
      jira: { url: 'https://acme.atlassian.net', project: 'OPS', issue_type: 'Task', email: 'ops@acme.example', token: 'jira-value-5678', subtask_type: 'Sub-task', labels: [] },
      directory: { path: '/var/lib/firebreak/postmortems' },
    });
    expect(secrets).toEqual(expect.arrayContaining(['ghp_value1234', 'jira-value-5678']));
    expect(parseConfigText('', 'empty.yml', {}).config.postmortems).toEqual({});
  });

  it('says what is wrong with each field in one sentence', () => {
    expect(
      problems(
        [
          'postmortems:',
          '  github: { repo: incidents, token: "", api_url: "http://github.example.com" }',
          '  jira: { url: "https://me:pw@acme.atlassian.net", project: ops, email: ops, token: t }',
          '  directory: { path: "" }',
        ].join('\n'),
      ),
    ).toEqual([
      { path: 'postmortems.github.repo', message: 'must be owner/name, e.g. acme/incidents' },
      { path: 'postmortems.github.token', message: 'must not be empty (write ${VAR} and set the variable)' },
      { path: 'postmortems.github.api_url', message: 'must be an https:// URL (plain http only for 127.0.0.1, where a local fake or proxy runs)' },
      { path: 'postmortems.jira.url', message: 'must not contain credentials; they go in token (and email)' },
      { path: 'postmortems.jira.project', message: 'must be a Jira project key in capitals, e.g. OPS' },
      { path: 'postmortems.jira.email', message: 'must be the email address of the Atlassian account that owns the token' },
      { path: 'postmortems.directory.path', message: 'must be a directory path' },
    ]);
    expect(problems('postmortems:\n  github: { repo: a/b, token: "${GITHUB_TOKEN}" }')).toEqual([
      { path: 'postmortems.github.token', message: 'environment variable GITHUB_TOKEN is not set' },
    ]);
    expect(problems('postmortems:\n  gitlab: { repo: a/b }')).toEqual([{ path: 'postmortems.gitlab', message: 'unknown key; did you mean github?' }]);
  });

  it('accepts plain http on loopback only (the test fakes), https anywhere', () => {
    const ok = (api: string) => parseConfigText(`postmortems:\n  github: { repo: a/b, token: t, api_url: "${api}" }`, 't.yml', {}).config.postmortems.github?.api_url;
    expect(ok('http://127.0.0.1:4010')).toBe('http://127.0.0.1:4010');
    expect(ok('https://ghe.acme.example/api/v3')).toBe('https://ghe.acme.example/api/v3');
    expect(problems('postmortems:\n  jira: { url: "not a url", project: OPS, email: a@b.example, token: t }')).toEqual([
      { path: 'postmortems.jira.url', message: '"not a url" is not a URL; write the base URL, starting with https://' },
    ]);
  });
});

import { z } from 'zod';

/** Loopback hosts: plain http is accepted only there (a local fake, a proxy on the same machine). */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The base URL of a ticket system's API. https only, because a token travels with every request;
 * http just for loopback. No credentials in it (they belong in `token`), no query or fragment.
 */
const apiBaseUrl = z.string().superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a URL; write the base URL, starting with https://` });
    return;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    ctx.addIssue({ code: 'custom', message: 'must be an https:// URL (plain http only for 127.0.0.1, where a local fake or proxy runs)' });
  } else if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must not contain credentials; they go in token (and email)' });
  } else if (url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: 'must be a base URL without ?query or #fragment' });
  }
});

const token = z.string().min(1, 'must not be empty (write ${VAR} and set the variable)');

const githubSchema = z
  .object({
    /** owner/name of the repository the issues go to. */
    repo: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, 'must be owner/name, e.g. acme/incidents'),
    /** A token that may write issues there (fine-grained: Issues read and write; classic: repo). */
    token,
    labels: z.array(z.string().min(1).max(50, 'GitHub labels are at most 50 characters')).default([]),
    /** GitHub Enterprise: https://HOST/api/v3. */
    api_url: apiBaseUrl.default('https://api.github.com'),
  })
  .strict();
export type GitHubTicketsConfig = z.infer<typeof githubSchema>;

const jiraSchema = z
  .object({
    /** The site, e.g. https://acme.atlassian.net (REST v3 is under it). */
    url: apiBaseUrl,
    /** The project key, as in OPS-123. */
    project: z.string().regex(/^[A-Z][A-Z0-9_]{0,254}$/, 'must be a Jira project key in capitals, e.g. OPS'),
    issue_type: z.string().min(1).default('Task'),
    /** The Atlassian account the API token belongs to (Basic auth is email:token). */
    email: z.email('must be the email address of the Atlassian account that owns the token'),
    token,
    /** The sub-task issue type of the project (team-managed projects call it "Subtask"). */
    subtask_type: z.string().min(1).default('Sub-task'),
    labels: z.array(z.string().regex(/^\S{1,255}$/, 'Jira labels cannot contain spaces')).default([]),
  })
  .strict();
export type JiraTicketsConfig = z.infer<typeof jiraSchema>;

const directorySchema = z
  .object({
    /** Where <incident-id>.md is written; created if missing. Relative to Firebreak's working directory. */
    path: z.string().min(1, 'must be a directory path'),
  })
  .strict();
export type DirectoryTicketsConfig = z.infer<typeof directorySchema>;

/** Where the post-mortem draft is filed: any of GitHub, Jira Cloud and a directory (none: it is only drafted). */
export const postmortemsSchema = z
  .object({
    github: githubSchema.optional(),
    jira: jiraSchema.optional(),
    directory: directorySchema.optional(),
  })
  .strict();
export type PostmortemsConfig = z.infer<typeof postmortemsSchema>;

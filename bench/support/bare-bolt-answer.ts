/** What the bare Bolt app answers every command with; the fake Slack counts response_url posts carrying it as that app's. */
export const BARE_BOLT_ANSWER = 'bare-bolt: ok';

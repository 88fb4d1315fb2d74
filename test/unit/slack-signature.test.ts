import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackSignature } from '../../src/chat/slack/verify-signature.js';

// Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack).
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TS = 1531420618;
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const EXPECTED = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

const headers = (sig: string, ts: number | string = TS) => ({ 'x-slack-signature': sig, 'x-slack-request-timestamp': String(ts) });

describe('Slack request signatures', () => {
  it("computes Slack's documented test vector", () => {
    expect(slackSignature(SECRET, TS, BODY)).toBe(EXPECTED);
  });

  it('accepts the documented request at its own time and up to 5 minutes either side', () => {
    for (const offsetS of [0, 299, -299, 300, -300]) {
      expect(verifySlackSignature(SECRET, headers(EXPECTED), Buffer.from(BODY), (TS + offsetS) * 1000)).toEqual({ ok: true });
    }
  });

  it.each([
    ['stale (5 min 1 s later)', headers(EXPECTED), BODY, (TS + 301) * 1000, /away from now/],
    ['from the future (5 min 1 s earlier)', headers(EXPECTED), BODY, (TS - 301) * 1000, /away from now/],
    ['a flipped signature digit', headers(`${EXPECTED.slice(0, -1)}${EXPECTED.endsWith('0') ? '1' : '0'}`), BODY, TS * 1000, /mismatch/],
    ['a changed body', headers(EXPECTED), `${BODY}&x=1`, TS * 1000, /mismatch/],
    ['the wrong secret', headers(slackSignature('another-secret', TS, BODY)), BODY, TS * 1000, /mismatch/],
    ['no signature', { 'x-slack-request-timestamp': String(TS) }, BODY, TS * 1000, /missing/],
    ['no timestamp', { 'x-slack-signature': EXPECTED }, BODY, TS * 1000, /missing/],
    ['a non-numeric timestamp', headers(EXPECTED, '1531420618abc'), BODY, TS * 1000, /not a number/],
    ['a v1 signature', headers(EXPECTED.replace('v0=', 'v1=')), BODY, TS * 1000, /mismatch/],
  ])('rejects %s', (_name, h, body, now, reason) => {
    const r = verifySlackSignature(SECRET, h, Buffer.from(body), now);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.status).toBe(401);
      expect(r.reason).toMatch(reason);
    }
  });
});

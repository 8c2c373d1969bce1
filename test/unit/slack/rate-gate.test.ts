import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/runtime/clock.js';
import { apiMethodOf, createRateGate, gateKey } from '../../../src/slack/rate-gate.js';

/**
 * The per-method 429 handling behind every Web API client (src/slack/rate-gate.ts). The gate waits
 * on a FakeClock (its `waits`), so Retry-After is measured on it and no test waits real seconds.
 */

const API = 'http://slack.test/api/';

/** A fake Slack: answers 429 (Retry-After `after` s) to the first `limited` calls of each method, then 200. */
function fakeSlack(limited: Record<string, number>, after = 1) {
  const seen: string[] = [];
  const fetchFn = (async (input: string | URL | Request) => {
    const url = String(input);
    const method = apiMethodOf(url) ?? url;
    seen.push(method);
    if ((limited[method] ?? 0) > 0) {
      limited[method] = (limited[method] ?? 0) - 1;
      return new Response('{"ok":false,"error":"ratelimited"}', {
        status: 429,
        headers: { 'retry-after': String(after) },
      });
    }
    return new Response('{"ok":true}', { status: 200 });
  }) as typeof fetch;
  return { fetchFn, seen };
}

describe('rate gate', () => {
  it('names the method of an API URL, and nothing for upload URLs', () => {
    expect(apiMethodOf('https://slack.com/api/chat.postMessage')).toBe('chat.postMessage');
    expect(apiMethodOf('http://127.0.0.1:5/api/files.getUploadURLExternal')).toBe(
      'files.getUploadURLExternal',
    );
    expect(apiMethodOf('https://files.slack.com/upload/v1/abc')).toBeUndefined();
  });

  it('keys chat.postMessage by channel, other methods by method', () => {
    expect(gateKey('chat.postMessage', 'channel=C1&text=hi')).toBe('chat.postMessage:C1');
    const form = new FormData();
    form.set('channel', 'C2');
    expect(gateKey('chat.postMessage', form)).toBe('chat.postMessage:C2');
    expect(gateKey('chat.update', 'channel=C1')).toBe('chat.update');
  });

  it('waits out a 429 and repeats the call, while other methods go out at once', async () => {
    const slack = fakeSlack({ 'chat.update': 1 });
    const clock = new FakeClock(0);
    const gate = createRateGate({ fetch: slack.fetchFn, waits: clock });
    const slow = gate.fetch(`${API}chat.update`, { method: 'POST', body: 'channel=C1' });
    const other = await gate.fetch(`${API}pins.add`, { method: 'POST', body: 'channel=C1' });
    expect(other.status).toBe(200);
    // pins.add was answered while chat.update was still waiting for its second try.
    expect(slack.seen).toEqual(['chat.update', 'pins.add']);
    expect((await slow).status).toBe(200);
    expect(slack.seen).toEqual(['chat.update', 'pins.add', 'chat.update']);
    expect(gate.limited.get('chat.update')).toBe(1);
    // Repeated no sooner than Retry-After (1 s) said.
    expect(clock.now().getTime()).toBe(1000);
  });

  it('gives views.open its 429 at once when the wait would outlive the trigger_id', async () => {
    const slack = fakeSlack({ 'views.open': 1 }, 5);
    const gate = createRateGate({ fetch: slack.fetchFn });
    const res = await gate.fetch(`${API}views.open`, { method: 'POST', body: 'trigger_id=1' });
    expect(res.status).toBe(429);
    expect(slack.seen).toEqual(['views.open']);
  });

  it('lets views.open wait out a Retry-After its trigger_id survives', async () => {
    const slack = fakeSlack({ 'views.open': 1 });
    const clock = new FakeClock(0);
    const gate = createRateGate({ fetch: slack.fetchFn, waits: clock });
    const res = await gate.fetch(`${API}views.open`, { method: 'POST', body: 'trigger_id=1' });
    expect(res.status).toBe(200);
    expect(slack.seen).toEqual(['views.open', 'views.open']);
    expect(clock.now().getTime()).toBe(1000);
  });

  it('stops waiting after maxWaitMs and lets the 429 reach the caller', async () => {
    const slack = fakeSlack({ 'users.list': 5 });
    const gate = createRateGate({ fetch: slack.fetchFn, maxWaitMs: 0 });
    const res = await gate.fetch(`${API}users.list`, { method: 'POST', body: '' });
    expect(res.status).toBe(429);
    expect(slack.seen).toEqual(['users.list']);
  });

  it('after a 429, posts to that channel go one a second instead of all at once again', async () => {
    // Slack's rule for chat.postMessage: about one message a second per channel.
    let last = -Infinity;
    let refused = 0;
    const clock = new FakeClock(0);
    const fetchFn = (async () => {
      const now = clock.now().getTime();
      if (now - last < 1000) {
        refused++;
        return new Response('{"ok":false,"error":"ratelimited"}', {
          status: 429,
          headers: { 'retry-after': '1' },
        });
      }
      last = now;
      return new Response('{"ok":true}', { status: 200 });
    }) as typeof fetch;
    const gate = createRateGate({ fetch: fetchFn, waits: clock });
    const post = (i: number) =>
      gate.fetch(`${API}chat.postMessage`, { method: 'POST', body: `channel=C1&text=${i}` });
    const answers = await Promise.all([0, 1, 2, 3].map(post));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // The three sent together with the first are refused once each, and never again.
    expect(refused).toBe(3);
    // One a second: the fourth went out three seconds after the first.
    expect(clock.now().getTime()).toBe(3000);
  });

  it('leaves URLs that are not API methods alone', async () => {
    const slack = fakeSlack({});
    const gate = createRateGate({ fetch: slack.fetchFn });
    expect((await gate.fetch('http://slack.test/upload/F1', { method: 'POST', body: 'x' })).status).toBe(200);
  });
});

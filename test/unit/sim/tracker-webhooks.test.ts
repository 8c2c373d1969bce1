import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { hmacHex } from '../../../sim/trackers/base.js';
import { FakeGitHub } from '../../../sim/trackers/github.js';
import { FakeJira } from '../../../sim/trackers/jira.js';
import { FakeLinear } from '../../../sim/trackers/linear.js';

/**
 * The tracker fakes deliver their webhooks by themselves, as the real trackers do: for every change
 * (through the API, the bot's own included, or by a person), signed, and retried per each tracker's
 * documented policy when the receiver does not take them.
 */
const SECRET = 'webhook-secret-0123456789';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
}

/** A receiver answering the given statuses in turn (then 200), recording what it got. */
async function receiver(statuses: number[] = []): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statuses.shift() ?? 200);
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});
const track = <T extends { close(): Promise<void> }>(x: T): T => {
  open.push(x);
  return x;
};
const serverCloser = (s: Server) => ({ close: () => new Promise<void>((r) => s.close(() => r())) });

describe('tracker fakes send webhooks by themselves', () => {
  it('GitHub: each API change is an issues event (the echo), signed; nothing changed, nothing sent; never retried', async () => {
    const r = await receiver([500]);
    track(serverCloser(r.server));
    const gh = track(
      await FakeGitHub.start({
        token: 't',
        repo: 'acme/ops',
        users: ['bob-gh'],
        webhook: { url: r.url, secret: SECRET },
      }),
    );
    let now = Date.parse('2026-11-23T14:00:00.400Z');
    gh.now = () => now;
    const api = (method: string, path: string, body: unknown) =>
      fetch(`${gh.url}${path}`, {
        method,
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await api('POST', '/repos/acme/ops/issues', { title: 'Canary' })).status).toBe(201);
    now += 5_000;
    await api('PATCH', '/repos/acme/ops/issues/1', { state: 'closed', state_reason: 'completed' });
    await api('PATCH', '/repos/acme/ops/issues/1', { state: 'closed' });
    now += 5_000;
    await api('PATCH', '/repos/acme/ops/issues/1', { assignees: ['bob-gh'], state: 'open' });
    await gh.webhooks.settled();
    expect(gh.webhooks.deliveries.map((d) => d.event)).toEqual([
      'issues.opened',
      'issues.closed',
      'issues.assigned',
      'issues.reopened',
    ]);
    const closed = JSON.parse(r.got[1]?.raw ?? '{}');
    expect(closed).toMatchObject({ action: 'closed', issue: { state: 'closed', number: 1 } });
    // Whole seconds, as GitHub writes them.
    expect(closed.issue.updated_at).toBe('2026-11-23T14:00:05Z');
    expect(closed.issue.closed_at).toBe('2026-11-23T14:00:05Z');
    expect(r.got[1]?.headers['x-github-event']).toBe('issues');
    expect(r.got[1]?.headers['x-hub-signature-256']).toBe(`sha256=${hmacHex(SECRET, r.got[1]?.raw ?? '')}`);
    // The first delivery got a 500: GitHub does not redeliver on its own.
    expect(gh.webhooks.deliveries[0]?.attempts).toEqual([500]);
    now += 24 * 3_600_000;
    await gh.webhooks.retryDue();
    expect(r.got).toHaveLength(4);
  });

  it('Jira: retried on 5xx when due, with the same identifier and the retry count; a 401 is not retried', async () => {
    const r = await receiver([503, 401]);
    track(serverCloser(r.server));
    const jira = track(
      await FakeJira.start({
        email: 'e@example.com',
        token: 't',
        project: 'OPS',
        webhook: { url: r.url, secret: SECRET },
      }),
    );
    let now = Date.parse('2026-11-23T14:00:00Z');
    jira.now = () => now;
    const auth = `Basic ${Buffer.from('e@example.com:t').toString('base64')}`;
    const created = await fetch(`${jira.url}/rest/api/3/issue`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 'Canary' },
      }),
    });
    expect(created.status).toBe(201);
    // Only the events the webhook was set up for: issue_updated, not issue_created.
    await jira.webhooks.settled();
    expect(jira.webhooks.deliveries).toHaveLength(0);
    const done = await fetch(`${jira.url}/rest/api/3/issue/OPS-1/transitions`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ transition: { id: '31' } }),
    });
    expect(done.status).toBe(204);
    await jira.editInJira('OPS-1', { duedate: '2026-12-01' });
    await jira.webhooks.settled();
    const [transition, edit] = jira.webhooks.deliveries;
    expect(transition?.attempts).toEqual([503]);
    expect(edit?.attempts).toEqual([401]);
    expect(edit?.retryAt).toBeUndefined();
    expect(JSON.parse(r.got[0]?.raw ?? '{}')).toMatchObject({
      webhookEvent: 'jira:issue_updated',
      timestamp: now,
      changelog: { items: [{ field: 'status', toString: 'Done' }] },
      issue: { key: 'OPS-1', fields: { status: { statusCategory: { key: 'done' } } } },
    });
    expect(r.got[0]?.headers['x-hub-signature']).toBe(`sha256=${hmacHex(SECRET, r.got[0]?.raw ?? '')}`);

    now += 60_000;
    await jira.webhooks.retryDue();
    expect(r.got).toHaveLength(2);
    now += 5 * 60_000;
    await jira.webhooks.retryDue();
    expect(transition?.attempts).toEqual([503, 200]);
    expect(r.got[2]?.raw).toBe(r.got[0]?.raw);
    expect(r.got[2]?.headers['x-atlassian-webhook-identifier']).toBe(
      r.got[0]?.headers['x-atlassian-webhook-identifier'],
    );
    expect(r.got[2]?.headers['x-atlassian-webhook-retry']).toBe('1');
    expect(r.got[0]?.headers['x-atlassian-webhook-retry']).toBeUndefined();
  });

  it('Linear: retried after 1 minute, 1 hour and 6 hours, each attempt with its own webhookTimestamp', async () => {
    const r = await receiver([500, 500, 500, 500]);
    track(serverCloser(r.server));
    let now = Date.parse('2026-11-23T14:00:00Z');
    const linear = track(
      await FakeLinear.start({
        apiKey: 'k',
        teamId: 'team-1',
        webhook: { url: r.url, secret: SECRET },
        now: () => now,
      }),
    );
    const gql = (query: string, variables: Record<string, unknown>) =>
      fetch(`${linear.url}/graphql`, {
        method: 'POST',
        headers: { authorization: 'k', 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      }).then((x) => x.json() as Promise<{ data: Record<string, { issue: { id: string } }> }>);
    const made = await gql('mutation { issueCreate(input: $input) { success issue { id } } }', {
      input: { teamId: 'team-1', title: 'Canary' },
    });
    const id = made.data.issueCreate?.issue.id;
    now += 1_000;
    await gql('mutation { issueUpdate(id: $id, input: $input) { success } }', {
      id,
      input: { stateId: 'state-done' },
    });
    await linear.webhooks.settled();
    const update = linear.webhooks.deliveries[1];
    expect(linear.webhooks.deliveries.map((d) => d.event)).toEqual(['Issue.create', 'Issue.update']);
    expect(update?.body).toMatchObject({
      action: 'update',
      updatedFrom: { stateId: 'state-todo' },
      data: { state: { type: 'completed' }, updatedAt: new Date(now).toISOString() },
      webhookTimestamp: now,
    });
    for (const wait of [60_000, 3_600_000, 6 * 3_600_000]) {
      now += wait;
      await linear.webhooks.retryDue();
    }
    // Both first attempts and both 1-minute retries got 500; the 1-hour retries got through.
    expect(linear.webhooks.deliveries.map((d) => d.attempts)).toEqual([
      [500, 500, 200],
      [500, 500, 200],
    ]);
    const sent = r.got.filter((g) => JSON.parse(g.raw).action === 'update');
    expect(sent).toHaveLength(3);
    for (const g of sent) expect(g.headers['linear-signature']).toBe(hmacHex(SECRET, g.raw));
    const stamps = sent.map((g) => JSON.parse(g.raw).webhookTimestamp as number);
    expect(new Set(stamps).size).toBe(stamps.length);
  });

  it('held deliveries go out when released, in the order asked for', async () => {
    const r = await receiver();
    track(serverCloser(r.server));
    const gh = track(
      await FakeGitHub.start({ token: 't', repo: 'acme/ops', webhook: { url: r.url, secret: SECRET } }),
    );
    gh.issues.set(1, {
      number: 1,
      title: 'x',
      body: '',
      state: 'open',
      state_reason: null,
      assignees: [],
      labels: [],
    });
    gh.webhooks.hold();
    const first = gh.closeOnGitHub(1);
    const second = gh.reopenOnGitHub(1);
    await new Promise((res) => setTimeout(res, 20));
    expect(r.got).toHaveLength(0);
    expect(gh.webhooks.inFlight).toBe(0);
    await gh.webhooks.release((held) => [...held].reverse());
    expect(await Promise.all([first, second])).toEqual([200, 200]);
    expect(r.got.map((g) => JSON.parse(g.raw).action)).toEqual(['reopened', 'closed']);
  });
});

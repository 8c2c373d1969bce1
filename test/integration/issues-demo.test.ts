import { afterEach, expect, it } from 'vitest';
import { DEMO_METRICS_TOKEN, demoContext } from '../../sim/demo/context.js';
import lifecycle from '../../sim/demo/scenes/02-lifecycle.js';
import { scene as nearCopy } from '../../sim/demo/scenes/07-near-copy.js';
import { scene as realSlack } from '../../sim/demo/scenes/08-real-slack.js';
import { scene as operations } from '../../sim/demo/scenes/09-operations.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * The demo scenes that show what a real workspace does (issue 11), the near-copy recurrence warning
 * (issue 16) and the operator's routes (issue 13): each plays on a fresh workspace and prints what
 * people and the operator see. A scene that throws fails here, as it would fail `npm run demo`.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function play(
  fn: (d: ReturnType<typeof demoContext>) => Promise<void>,
  env: Record<string, string> = {},
  before: (h: Harness) => Promise<void> = async () => {},
): Promise<string> {
  h = await startHarness({ env });
  await before(h);
  const lines: string[] = [];
  await fn(demoContext(h, (t) => lines.push(t)));
  return lines.join('\n');
}

it('scene 02 says the bot joined the announcement channel itself and what Slack delivers for @bob', async () => {
  const out = await play(lifecycle);
  expect(out).toContain('Firebreak is in no channel yet; nobody invited it to #incidents');
  expect(out).toContain('Firebreak joined #incidents by itself (conversations.join)');
  expect(out).toContain('Slack delivers the text as `lead <@U0BOB|bob>`');
});

it('scene 07: a near-copy of an imported incident gets the strong warning, with its confidence', async () => {
  const out = await play(nearCopy);
  expect(out).toContain('This looks like an incident we have seen before');
  expect(out).toContain("Mobile app doesn't launch on iOS 18.1 after the update");
  expect(out).toMatch(/Why: shared words .*`mobile`/);
  expect(out).toMatch(/level warning, confidence 0\.\d\d \(RECURRENCE_MIN_CONFIDENCE 0\.\d+\)/);
});

it('scene 08: a guest is reported, text arrives encoded and reads back decoded, the bot ignores itself', async () => {
  const out = await play(realSlack);
  expect(out).toMatch(/setup completed anyway: .*members: Firebreak, alice; setup error: none/);
  expect(out).toContain('• @gina: they are a guest');
  expect(out).toContain(
    'Slack delivers its text as: p99 &gt; 2s on R&amp;D, see <https://status.example.com>',
  );
  expect(out).toContain('the message now carries :pushpin: :white_check_mark:');
  expect(out).toContain('the entry reads: p99 > 2s on R&D, see https://status.example.com');
  expect(out).not.toMatch(/&amp;(gt|lt|amp);/);
  expect(out).toContain('alice sees: <@U0BOB> now leads');
  expect(out).toContain('alice sees: <@U0CAROL> is now scribe');
  expect(out).toMatch(/Slack sent Firebreak \d+ events caused by Firebreak itself .*\(.*message ×\d+/);
  expect(out).toMatch(/ 0 left pending; captured messages on the timeline: 1 \(bob's\)/);
});

it('scene 09: /healthz, /readyz ready then 503 with its reason, /metrics 401/404 and with its token, doctor', async () => {
  // Some traffic first, so there are acknowledgements and an open incident to count.
  const out = await play(operations, { METRICS_TOKEN: DEMO_METRICS_TOKEN }, async (harness) => {
    await harness.person(WS.users.alice).command('declare Checkout returns 502', WS.channels.general);
    await harness.idle();
  });
  expect(out).toContain('GET /healthz → 200 {"status":"ok"}');
  expect(out).toContain('GET /readyz → 200 {"status":"ready"');
  expect(out).toContain(
    'GET /readyz → 503 {"status":"not ready","reasons":["Slack did not accept SLACK_BOT_TOKEN (token_revoked)"]',
  );
  expect(out).toContain('GET /readyz → 200 ready');
  expect(out).toContain('GET /metrics without a token → 401');
  expect(out).toContain('GET /metrics with a wrong token → 401');
  expect(out).toContain('a bot without METRICS_TOKEN: GET /metrics → 404');
  expect(out).toMatch(/firebreak_slack_ack_seconds_count\{surface="command"\} \d+/);
  expect(out).toMatch(/firebreak_slack_api_calls_total\{method="conversations.create"\} 1/);
  expect(out).toMatch(/firebreak_open_incidents\{severity="SEV3"\} 1/);
  expect(out).toContain('ok   token: Slack accepted SLACK_BOT_TOKEN');
  expect(out).toContain('ok   database: $DATABASE_PATH is writable');
  expect(out).not.toContain(h?.config.DATABASE_PATH ?? '(no harness)');
});

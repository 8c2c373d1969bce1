import { TRACKER_SYNC_JOB } from '../../../src/trackers/slack/jobs.js';
import { WS } from '../../api.js';
import { startStack } from '../../stack.js';
import { FakeGitHub } from '../../trackers/github.js';
import type { DemoContext } from '../context.js';

/**
 * Demo scene: a workspace with TRACKER=github. A follow-up becomes a GitHub issue (in a local fake
 * GitHub written from GitHub's docs), shows as a link in Slack, closing the issue on GitHub marks
 * the follow-up done, and reopening it there opens the follow-up again. It runs its own bot and Slack, so the other scenes keep their plain workspace.
 */
export const title =
  'Trackers: a follow-up becomes a GitHub issue; closing or reopening it there closes or reopens it here';

export async function scene(d: DemoContext): Promise<void> {
  const say = (t: string) => d.narrate(t);
  const gh = await FakeGitHub.start({ token: 'ghp_demo', repo: 'acme/checkout', users: ['bob-gh'] });
  const stack = await startStack({
    tmpPrefix: 'firebreak-demo-trackers-',
    env: {
      TRACKER: 'github',
      TRACKER_URL: gh.url,
      TRACKER_TOKEN: 'ghp_demo',
      TRACKER_PROJECT: 'acme/checkout',
      TRACKER_LABELS: 'incident-follow-up',
      TRACKER_WEBHOOK_SECRET: 'demo-webhook-secret-0123',
      TRACKER_USERS: 'U0BOB=bob-gh',
      ARCHIVE_POLICY: 'never',
    },
  });
  try {
    gh.opts.webhook = {
      url: stack.botUrl.replace('/slack/events', '/trackers/github/webhook'),
      secret: 'demo-webhook-secret-0123',
    };
    // GitHub delivers a webhook for every change, the bot's own included; the scene waits for them.
    gh.now = () => stack.clock.now().getTime();
    stack.track(gh.webhooks);
    say('This workspace has TRACKER=github, TRACKER_PROJECT=acme/checkout, TRACKER_USERS=U0BOB=bob-gh.');
    const alice = stack.person(WS.users.alice);
    const bob = stack.person(WS.users.bob);
    await alice.command('declare Checkout returns 502 for EU customers', WS.channels.general);
    await stack.idle();
    const ch = stack.sim.channels().find((c) => c.name.startsWith('inc-'));
    if (!ch) throw new Error('no incident channel');
    await bob.join(ch.id);
    say(`alice types in #${ch.name}: /incident followup Validate config keys in CI @bob due 2026-12-01`);
    await alice.command('followup Validate config keys in CI <@U0BOB|bob> due 2026-12-01', ch.id);
    await stack.idle();
    const issue = gh.issues.get(1);
    if (!issue) throw new Error('no GitHub issue was created');
    say(
      `GitHub now has issue #1 in acme/checkout: “${issue.title}”, assigned to ${issue.assignees.join(', ')}, labels ${issue.labels.join(', ')}:\n${issue.body}`,
    );
    const list = await bob.command('followups', WS.channels.general);
    say(
      `bob types /incident followups and sees:\n${stack.sim.renderBlocks(list.reply?.blocks as never, undefined, true)}`,
    );
    say(
      'On github.com, bob closes issue #1; GitHub sends the signed `issues` webhook to /trackers/github/webhook.',
    );
    const status = await gh.closeOnGitHub(1, 'bob-gh');
    await stack.idle();
    const done = await bob.command('followups', WS.channels.general);
    say(
      `The webhook was answered ${status}. bob’s list now:\n${stack.sim.renderBlocks(done.reply?.blocks as never, undefined, true)}`,
    );
    const timeline = stack.db.$client
      .prepare("select text from timeline_events where kind = 'follow_up' order by id")
      .all() as { text: string }[];
    say(`The incident’s timeline:\n${timeline.map((t) => `  · ${t.text}`).join('\n')}`);

    // The postmortem canvas links each follow-up to its ticket.
    say(`alice types in #${ch.name}: /incident postmortem`);
    await alice.command('postmortem', ch.id);
    await stack.idle();
    const canvas = stack.sim.channelCanvas(ch.id);
    const followUpsPart = (canvas?.markdown ?? '').split('## Follow-ups')[1]?.trim() ?? '(no canvas)';
    say(
      `The channel's canvas "${canvas?.title ?? ''}" ends with its follow-ups:\n${followUpsPart.replace(/!\[\]\(@U0BOB\)/g, '@bob')}`,
    );

    // The tracker is where the work is tracked: reopened there, the follow-up is open again here.
    stack.clock.advance(60 * 60_000);
    say('An hour later the fix turns out incomplete: on github.com, carol reopens issue #1.');
    const reopened = await gh.reopenOnGitHub(1, 'carol-gh');
    await stack.idle();
    // The owner's DM goes out with the tracker queue's next run (every 30 s).
    stack.clock.advance(30_000);
    await stack.bot.scheduler.run(TRACKER_SYNC_JOB);
    await stack.idle();
    const open = await bob.command('followups', WS.channels.general);
    const dm = stack.sim
      .dms(WS.users.bob)
      .filter((m) => /is open again/.test(stack.sim.renderBlocks(m.blocks as never, m.text)))
      .at(-1);
    say(
      `The \`reopened\` webhook was answered ${reopened}. bob gets a DM:\n${stack.sim.renderBlocks(dm?.blocks as never, dm?.text, true)}\nand his list shows it open again:\n${stack.sim.renderBlocks(open.reply?.blocks as never, undefined, true)}`,
    );
    const after = stack.db.$client
      .prepare("select text from timeline_events where kind = 'follow_up' order by id")
      .all() as { text: string }[];
    say(`The timeline's newest entry: ${after.at(-1)?.text ?? '(none)'}`);
  } finally {
    await stack.close();
    await gh.close();
  }
}

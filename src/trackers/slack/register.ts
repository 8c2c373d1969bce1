import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { DomainError } from '../../incidents/errors.js';
import { assertMayTouchFollowUp } from '../../resolution/slack/follow-up-edit.js';
import type { Deps } from '../../runtime/deps.js';
import type { Subcommand } from '../../slack/command/router.js';
import { ACTION } from '../../slack/ids.js';
import { followUpWithIncident } from '../store.js';
import type { TrackerNotice, TrackerSync } from '../sync.js';

/**
 * Slack side of the trackers: the Create ticket button on a follow-up, and the run that turns
 * follow-up changes into tracker calls after each Slack request (so a follow-up added in Slack
 * becomes a ticket within the same second, not at the next scheduled run), with what went wrong
 * told to the person by DM.
 */
type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** DMs each notice; a DM that fails is logged (the follow-up and its ticket state are already stored). */
export async function sendNotices(deps: Deps, client: WebClient, notices: TrackerNotice[]): Promise<void> {
  for (const n of notices) {
    try {
      await client.chat.postMessage({ channel: n.userId, text: n.text });
    } catch (e) {
      deps.logger.warn(`tracker notice to ${n.userId} failed: ${(e as Error).message}`);
    }
  }
}

/** Runs the sync in the background (tracked, so shutdown and tests wait for it). */
export function kickTrackerSync(deps: Deps, sync: TrackerSync, client: WebClient): void {
  deps.tasks.defer('tracker:sync', async () => {
    await sendNotices(deps, client, await sync.run());
  });
}

/** `{ f: <follow-up id> }` as in the follow-up lists' other buttons. */
function followUpIdOf(value: string | undefined): number {
  try {
    const f = (JSON.parse(value ?? '{}') as { f?: unknown }).f;
    if (typeof f === 'number' && Number.isInteger(f) && f > 0) return f;
  } catch {
    // fall through
  }
  throw new DomainError('not_found', 'That button no longer points at a follow-up.');
}

export function register(app: App, deps: Deps): void {
  const sync = deps.trackers;
  if (!sync) {
    // Lists rendered while a tracker was configured may still carry the button.
    app.action<BlockAction>(ACTION.followUpTicket, async ({ ack, respond }) => {
      await ack();
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: ':warning: No ticket tracker is configured any more (TRACKER is unset), so follow-ups stay in Firebreak.',
      });
    });
    return;
  }

  // After every Slack request: follow-ups it added, finished or edited reach the tracker now.
  app.use(async ({ next, client }) => {
    await next();
    kickTrackerSync(deps, sync, client);
  });

  app.action<BlockAction>(ACTION.followUpTicket, async (args: ActionArgs) => {
    await args.ack();
    const user = args.body.user.id;
    const reply = (text: string) =>
      args.respond({ response_type: 'ephemeral', replace_original: false, text });
    try {
      const id = followUpIdOf((args.action as { value?: string }).value);
      const followUp = followUpWithIncident(deps.db, id)?.f;
      if (!followUp) throw new DomainError('not_found', 'That follow-up no longer exists.');
      await assertMayTouchFollowUp(deps.db, deps.members, args.client, followUp, user);
      const { created } = sync.request(id, user);
      await reply(
        created
          ? `:hourglass_flowing_sand: Creating a ${sync.tracker.label} ticket for follow-up #${id}; I will tell you when it is there.`
          : `:hourglass_flowing_sand: A ${sync.tracker.label} ticket for follow-up #${id} is already on its way.`,
      );
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      await reply(`:warning: ${e.message}`);
    }
  });
}

/** The trackers answer no `/incident` subcommand of their own (the button lives on follow-up lists). */
export function subcommands(_deps: Deps): Subcommand[] {
  return [];
}

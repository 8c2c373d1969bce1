import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import { DomainError } from '../../incidents/errors.js';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { describeError } from '../../slack/effects.js';
import { ACTION } from '../../slack/ids.js';
import { recordFeedback, type Verdict } from '../feedback.js';
import { refreshLearned } from '../store.js';
import { refreshFeedbackMessage } from './notices.js';
import { parseLinkId } from './views.js';

/** "Same problem" / "Not related" on a recurrence warning, and "Join INC-n" on an open duplicate. */
type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

async function tell(args: Args, text: string): Promise<void> {
  await args.respond({ response_type: 'ephemeral', replace_original: false, text });
}

function feedback(deps: Deps, verdict: Verdict) {
  return async (args: Args) => {
    await args.ack();
    const linkId = parseLinkId(args.action.value);
    try {
      if (linkId === null) throw new DomainError('not_found', 'That suggestion no longer exists.');
      // Committed before anything slow: the judgement is what matters.
      const { link, changed } = recordFeedback(deps.db, linkId, verdict, args.body.user.id, deps.clock.now());
      if (!changed) return;
      const terms = link.explanation.sharedTerms;
      refreshLearned(
        deps.db,
        Array.isArray(terms) ? terms.filter((t): t is string => typeof t === 'string') : [],
      );
      const channel = args.body.channel?.id ?? args.body.container?.channel_id;
      const ts = args.body.message?.ts ?? args.body.container?.message_ts;
      if (channel && ts) await refreshFeedbackMessage(deps, args.client, channel, ts, link);
    } catch (e) {
      if (e instanceof DomainError) await tell(args, `:warning: ${e.message}`);
      else throw e;
    }
  };
}

export function register(app: App, deps: Deps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.recurrenceSame, feedback(deps, 'same'));
  app.action<BlockAction<ButtonAction>>(ACTION.recurrenceUnrelated, feedback(deps, 'unrelated'));
  app.action<BlockAction<ButtonAction>>(ACTION.recurrenceJoin, async (args) => {
    await args.ack();
    const other = getIncidentById(deps.db, Number(args.action.value));
    // A private incident never offers a Join button; refuse a forged one all the same.
    if (!other?.channelId || other.isPrivate) {
      await tell(args, ':warning: That incident has no channel you can join.');
      return;
    }
    try {
      await args.client.conversations.invite({ channel: other.channelId, users: args.body.user.id });
      await tell(args, `You joined <#${other.channelId}>.`);
    } catch (e) {
      const code = (e as { data?: { error?: string } }).data?.error;
      if (code === 'already_in_channel') await tell(args, `You are already in <#${other.channelId}>.`);
      else await tell(args, `:warning: I could not add you to <#${other.channelId}> (${describeError(e)}).`);
    }
  });
}

import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { DomainError } from '../../incidents/errors.js';
import { type FollowUp, incidentRef, isOpen } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { assertCanChange } from '../../slack/access.js';
import type { Listeners } from '../../slack/dispatch.js';
import { ACTION } from '../../slack/ids.js';
import { openModal, tellPrivately } from '../../slack/kit.js';
import { getUserTz } from '../../slack/users.js';
import { completeFollowUp, requireFollowUp } from '../follow-ups.js';
import { addDays, localTime } from '../reminders.js';
import { renderFollowUpList } from './commands.js';

import { assertMayTouchFollowUp } from './follow-up-edit.js';
import { followUpDoneText, followUpEditModal, parseButtonValue, snoozeModal } from './views/follow-ups.js';
import { followUpReminderDone } from './views/reminder-messages.js';
import { resolveModal } from './views/resolve-modal.js';
import { rootCauseModal } from './views/root-cause-modal.js';

/**
 * Buttons of the resolution feature: Resolve (on the lifecycle's summary), "Write the root cause"
 * (in the lead's reminder), and Done / Snooze / Edit on follow-up lists and reminders.
 */
type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const channelOf = (body: BlockAction): string | undefined => body.channel?.id ?? body.container?.channel_id;

/** A domain refusal becomes a private note to the clicker; anything else goes to app.error. */
async function guarded(args: ActionArgs, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    const text = `:warning: ${e.message}`;
    if (args.respond && args.body.response_url) {
      await args.respond({ response_type: 'ephemeral', replace_original: false, text });
    } else {
      await tellPrivately(args.client, args.body.user.id, channelOf(args.body), text);
    }
  }
}

const incidentIdOf = (value: string | undefined): number => {
  const id = Number(value);
  if (!Number.isInteger(id) || id <= 0)
    throw new DomainError('not_found', 'That button no longer points at an incident.');
  return id;
};

const assertMayTouch = (deps: Deps, args: ActionArgs, f: FollowUp) =>
  assertMayTouchFollowUp(deps.db, deps.members, args.client, f, args.body.user.id);

export function register(app: Listeners, deps: Deps): void {
  const { db, clock, config } = deps;

  app.action<BlockAction>(ACTION.openResolve, async (args) => {
    await args.ack();
    await guarded(args, async () => {
      const action = args.action as { value?: string };
      const incident = getIncidentById(db, incidentIdOf(action.value));
      if (!incident) throw new DomainError('not_found', 'That incident no longer exists.');
      if (!isOpen(incident))
        throw new DomainError('invalid_state', `${incidentRef(incident)} is already ${incident.status}.`);
      await assertCanChange(deps, args.client, incident, args.body.user.id);
      await openModal(
        deps,
        args.body.trigger_id,
        resolveModal(incident, config.ROOT_CAUSE_CATEGORIES, clock.now()),
      );
    });
  });

  app.action<BlockAction>(ACTION.openRootCause, async (args) => {
    await args.ack();
    await guarded(args, async () => {
      const action = args.action as { value?: string };
      const incident = getIncidentById(db, incidentIdOf(action.value));
      if (!incident) throw new DomainError('not_found', 'That incident no longer exists.');
      await assertCanChange(deps, args.client, incident, args.body.user.id);
      await openModal(deps, args.body.trigger_id, rootCauseModal(incident, config.ROOT_CAUSE_CATEGORIES));
    });
  });

  app.action<BlockAction>(ACTION.followUpDone, async (args) => {
    await args.ack();
    await guarded(args, async () => {
      const { f, s } = parseButtonValue((args.action as { value?: string }).value);
      const user = args.body.user.id;
      await assertMayTouch(deps, args, requireFollowUp(db, f));
      const { followUp } = completeFollowUp(db, clock, { followUpId: f, userId: user });
      const incident = getIncidentById(db, followUp.incidentId);
      if (!incident) return;
      const message =
        s === 'one'
          ? followUpReminderDone(followUp, incident)
          : await renderFollowUpList(deps, args.client, user, s, followUpDoneText(followUp, incident));
      if (args.respond && args.body.response_url) {
        await args.respond({ replace_original: true, ...message });
      } else {
        await tellPrivately(args.client, user, channelOf(args.body), message.text);
      }
    });
  });

  /**
   * The open follow-up a Snooze or Edit button is about, checked for the clicker, and where the
   * click came from (list scope and response_url), so the list can be redrawn after the form.
   */
  const openFollowUpFor = async (args: ActionArgs) => {
    const { f, s } = parseButtonValue((args.action as { value?: string }).value);
    const followUp = requireFollowUp(db, f);
    if (followUp.status !== 'open') throw new DomainError('invalid_state', 'That follow-up is already done.');
    const incident = await assertMayTouch(deps, args, followUp);
    const from = { f, s, ...(args.body.response_url ? { responseUrl: args.body.response_url } : {}) };
    return { followUp, incident, from };
  };

  app.action<BlockAction>(ACTION.followUpSnooze, async (args) => {
    await args.ack();
    await guarded(args, async () => {
      const { followUp, from } = await openFollowUpFor(args);
      const tz = await getUserTz(args.client, db, clock, args.body.user.id);
      const today = localTime(clock.now(), tz).date;
      const initial =
        followUp.snoozedUntil && followUp.snoozedUntil > today ? followUp.snoozedUntil : addDays(today, 7);
      await openModal(deps, args.body.trigger_id, snoozeModal(followUp, from, initial));
    });
  });

  app.action<BlockAction>(ACTION.followUpEdit, async (args) => {
    await args.ack();
    await guarded(args, async () => {
      const { followUp, incident, from } = await openFollowUpFor(args);
      await openModal(deps, args.body.trigger_id, followUpEditModal(followUp, incident, from));
    });
  });
}

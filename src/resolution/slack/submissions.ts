import type { ViewSubmitAction } from '@slack/bolt';
import { DomainError } from '../../incidents/errors.js';
import { incidentRef } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { assertCanChange, canView } from '../../slack/access.js';
import type { Listeners } from '../../slack/dispatch.js';
import { describeError } from '../../slack/effects.js';
import { mention, safe } from '../../slack/format.js';
import { BLOCK, VIEW } from '../../slack/ids.js';
import { blocksNamed, publish, submit, tellPrivately } from '../../slack/kit.js';
import { getUserTz } from '../../slack/users.js';
import { editFollowUp } from '../edit-follow-up.js';
import { addFollowUp, requireFollowUp, snoozeFollowUp } from '../follow-ups.js';
import { localTime } from '../reminders.js';
import { resolveIncident } from '../resolve.js';
import { setRootCause } from '../set-root-cause.js';
import { renderFollowUpList } from './commands.js';
import { announceResolution, ownerText, refreshQuietly } from './effects.js';
import { announceFollowUpEdit, assertMayOwn, assertMayTouchFollowUp } from './follow-up-edit.js';
import {
  editSummary,
  followUpBlockFor,
  followUpReminderEdited,
  parseEditMetadata,
  parseFollowUpSubmission,
  parseSnoozeSubmission,
} from './views/follow-ups.js';
import { followUpReminderSnoozed } from './views/reminder-messages.js';
import { parseMetadata, parseResolveSubmission, resolveBlockFor } from './views/resolve-modal.js';
import { parseRootCauseSubmission } from './views/root-cause-modal.js';

/**
 * Modal submissions of the resolution feature. Each commits its change before the ack (SQLite is
 * sub-millisecond), answers inline `errors` on the field at fault, and defers the Slack work. What a
 * submission waits on first (the membership check, the person's time zone) may be slow or
 * rate-limited: like the lifecycle forms, it is acknowledged by the deadline anyway
 * (./submission.ts), and a refusal found after that reaches the person by DM.
 */

/** Redraws the message a Snooze was clicked in, through the click's response_url. */
async function postToResponseUrl(url: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`response_url answered ${res.status}`);
}

/** The root-cause form shares the resolve form's fields and block_ids, but has only these three. */
const rootCauseBlocks = blocksNamed(BLOCK.rootCause, BLOCK.category, BLOCK.factors);
const rootCauseBlockFor = (field?: string) => rootCauseBlocks(resolveBlockFor(field));

export function register(app: Listeners, deps: Deps): void {
  const { db, clock, config } = deps;

  app.view<ViewSubmitAction>(VIEW.resolve, async (args) => {
    const user = args.body.user.id;
    await submit(
      deps,
      args,
      BLOCK.resolution,
      'The incident was not resolved',
      async () => {
        const meta = parseMetadata(args.view.private_metadata);
        const incident = getIncidentById(db, meta.incidentId);
        if (!incident) throw new DomainError('not_found', 'That incident no longer exists.');
        await assertCanChange(deps, args.client, incident, user);
        const input = parseResolveSubmission(args.view.state.values, meta, user, clock.now());
        const result = resolveIncident(db, clock, config.ROOT_CAUSE_CATEGORIES, input);
        return () => announceResolution(deps, args.client, result.incident.id, user, result.incidentChanges);
      },
      resolveBlockFor,
    );
  });

  app.view<ViewSubmitAction>(VIEW.rootCause, async (args) => {
    const user = args.body.user.id;
    await submit(
      deps,
      args,
      BLOCK.rootCause,
      'The root cause was not saved',
      async () => {
        const input = parseRootCauseSubmission(args.view.state.values, args.view.private_metadata, user);
        const found = getIncidentById(db, input.incidentId);
        if (!found) throw new DomainError('not_found', 'That incident no longer exists.');
        await assertCanChange(deps, args.client, found, user);
        const { incident, before, incidentChanges } = setRootCause(
          db,
          clock,
          config.ROOT_CAUSE_CATEGORIES,
          input,
        );
        return async () => {
          if (incident.channelId && !incident.archivedAt) {
            try {
              await args.client.chat.postMessage({
                channel: incident.channelId,
                text: `:mag: ${mention(user)} ${before.rootCauseSummary ? 'updated' : 'wrote down'} the root cause of ${incidentRef(incident)}${incident.rootCauseCategory ? ` (${safe(incident.rootCauseCategory, 75)})` : ''}:\n>${safe(incident.rootCauseSummary ?? '', 2500).replace(/\n/g, '\n>')}`,
              });
            } catch (e) {
              deps.logger.warn(`root cause message for ${incidentRef(incident)} failed: ${describeError(e)}`);
            }
          } else {
            await tellPrivately(
              args.client,
              user,
              null,
              `:white_check_mark: Root cause of ${incidentRef(incident)} saved. No more reminders.`,
            );
          }
          await refreshQuietly(deps, args.client, incident.id);
          publish(deps, incidentChanges);
        };
      },
      rootCauseBlockFor,
    );
  });

  app.view<ViewSubmitAction>(VIEW.snooze, async (args) => {
    const user = args.body.user.id;
    await submit(
      deps,
      args,
      BLOCK.snoozeUntil,
      'The follow-up was not snoozed',
      async () => {
        const { meta, until } = parseSnoozeSubmission(args.view.state.values, args.view.private_metadata);
        const tz = await getUserTz(args.client, db, clock, user);
        const followUp = snoozeFollowUp(
          db,
          { followUpId: meta.f, until, today: localTime(clock.now(), tz).date },
          BLOCK.snoozeUntil,
        );
        return async () => {
          const incident = getIncidentById(db, followUp.incidentId);
          if (!incident || !meta.responseUrl) return;
          const message =
            meta.s === 'one'
              ? followUpReminderSnoozed(followUp, incident)
              : await renderFollowUpList(
                  deps,
                  args.client,
                  user,
                  meta.s,
                  `:zzz: Snoozed until ${followUp.snoozedUntil}: ${safe(followUp.text, 300)}`,
                );
          try {
            await postToResponseUrl(meta.responseUrl, { replace_original: true, ...message });
          } catch (e) {
            await tellPrivately(
              args.client,
              user,
              null,
              `:zzz: Snoozed until ${followUp.snoozedUntil}. (${describeError(e)})`,
            );
          }
        };
      },
      () => BLOCK.snoozeUntil,
    );
  });

  app.view<ViewSubmitAction>(VIEW.followUp, async (args) => {
    const user = args.body.user.id;
    await submit(
      deps,
      args,
      BLOCK.followUpText,
      'The follow-up was not added',
      async () => {
        const meta = JSON.parse(args.view.private_metadata) as { incidentId?: number; channel?: string };
        const incident = getIncidentById(db, Number(meta.incidentId));
        if (!incident) throw new DomainError('not_found', 'That incident no longer exists.');
        if (!(await canView(deps.members, args.client, incident, user)))
          throw new DomainError(
            'not_member',
            'Only members of that incident’s channel can add follow-ups to it.',
          );
        // Keyed on the view: a form submitted again (its first answer late or lost, the person
        // pressing Submit once more) finds the follow-up it made instead of adding a second one.
        const { followUp } = addFollowUp(db, clock, {
          ...parseFollowUpSubmission(args.view.state.values),
          incidentId: incident.id,
          createdBy: user,
          source: { sourceKey: `view:${args.view.id}`, via: 'command' },
        });
        return () =>
          tellPrivately(
            args.client,
            user,
            meta.channel ?? incident.channelId,
            `:fast_forward: Follow-up added to ${incidentRef(incident)}: *${safe(followUp.text, 500)}* — owner ${ownerText(followUp.ownerId)}, ${followUp.dueDate ? `due ${followUp.dueDate}` : 'no due date'}.`,
          );
      },
      followUpBlockFor,
    );
  });

  app.view<ViewSubmitAction>(VIEW.followUpEdit, async (args) => {
    const user = args.body.user.id;
    await submit(
      deps,
      args,
      BLOCK.followUpText,
      'The follow-up was not changed',
      async () => {
        const meta = parseEditMetadata(args.view.private_metadata);
        const incident = await assertMayTouchFollowUp(
          db,
          deps.members,
          args.client,
          requireFollowUp(db, meta.f),
          user,
        );
        const values = parseFollowUpSubmission(args.view.state.values);
        if (values.ownerId)
          await assertMayOwn(deps.members, args.client, incident, values.ownerId, 'ownerId');
        const tz = await getUserTz(args.client, db, clock, user);
        const today = localTime(clock.now(), tz).date;
        const result = editFollowUp(db, clock, { followUpId: meta.f, by: user, today, ...values });
        return async () => {
          const note = `:pencil2: Follow-up #${result.followUp.id}: ${editSummary(result.changes)}.`;
          if (meta.responseUrl) {
            const message =
              meta.s === 'one'
                ? followUpReminderEdited(result.followUp, incident, today, note)
                : await renderFollowUpList(deps, args.client, user, meta.s, note);
            try {
              await postToResponseUrl(meta.responseUrl, { replace_original: true, ...message });
            } catch (e) {
              await tellPrivately(args.client, user, null, `${note} (${describeError(e)})`);
            }
          } else await tellPrivately(args.client, user, null, note);
          if (result.changed) await announceFollowUpEdit(deps, args.client, result, user);
        };
      },
      followUpBlockFor,
    );
  });
}

import type { WebClient } from '@slack/web-api';
import { DomainError } from '../../incidents/errors.js';
import { type Incident, incidentRef, isOpen } from '../../incidents/model.js';
import { getIncidentById, getIncidentByNumber, resolveTargetIncident } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { assertCanChange, canView, type MemberCache } from '../../slack/access.js';
import { type Subcommand, type SubcommandCall, whoIsNamed } from '../../slack/command/router.js';
import { describeError } from '../../slack/effects.js';
import { channelLink, mention, safe, slackDate } from '../../slack/format.js';
import { afterCommit, openModal, publish, tellPrivately } from '../../slack/kit.js';
import { getUserTz } from '../../slack/users.js';
import { closeIncident } from '../close.js';
import { editFollowUp, isFollowUpEdit, parseFollowUpEditCommand } from '../edit-follow-up.js';
import {
  addFollowUp,
  type FollowUpScope,
  type FollowUpWithIncident,
  getFollowUp,
  listOpenFollowUps,
  parseFollowUpCommand,
} from '../follow-ups.js';
import { localTime } from '../reminders.js';
import { reopenIncident } from '../reopen.js';
import { archiveIncidentChannel, ownerText, refreshQuietly } from './effects.js';
import { announceFollowUpEdit, assertMayOwn, assertMayTouchFollowUp } from './follow-up-edit.js';
import { editSummary, followUpListMessage, followUpModal, type ListScope } from './views/follow-ups.js';
import { resolveModal } from './views/resolve-modal.js';
import { rootCauseModal } from './views/root-cause-modal.js';

/**
 * Resolution subcommands: resolve, rootcause, reopen, close, followup, followups. Each parses,
 * checks who may do it, calls one verb, and renders; Slack work after the reply is deferred.
 */
const GROUP = 'Resolution and follow-ups';

async function target(call: SubcommandCall): Promise<Incident> {
  const { incident } = resolveTargetIncident(call.deps.db, call.rest, call.bolt.command.channel_id);
  return incident;
}

async function todayFor(call: SubcommandCall): Promise<string> {
  const tz = await getUserTz(call.bolt.client, call.deps.db, call.deps.clock, call.bolt.command.user_id);
  return localTime(call.deps.clock.now(), tz).date;
}

/** Private incidents only for their channel's members; asked once per incident. */
async function visibleTo(
  members: MemberCache,
  client: WebClient,
  userId: string,
  items: FollowUpWithIncident[],
): Promise<FollowUpWithIncident[]> {
  const seen = new Map<number, boolean>();
  const out: FollowUpWithIncident[] = [];
  for (const item of items) {
    let ok = seen.get(item.incident.id);
    if (ok === undefined) {
      ok = await canView(members, client, item.incident, userId);
      seen.set(item.incident.id, ok);
    }
    if (ok) out.push(item);
  }
  return out;
}

/** Which list `/incident followups [all|mine|INC-n]` means, and its title. */
export function followUpScope(
  deps: Deps,
  rest: string,
  userId: string,
): { scope: FollowUpScope; list: ListScope; title: string; incident?: Incident } {
  const arg = rest.trim().toLowerCase();
  if (arg === '' || arg === 'mine') {
    return { scope: { kind: 'mine', userId }, list: 'mine', title: 'Your open follow-ups' };
  }
  if (arg === 'all') return { scope: { kind: 'all' }, list: 'all', title: 'All open follow-ups' };
  const m = /^(?:inc-?|#)?(\d{1,9})$/i.exec(arg);
  if (m?.[1] !== undefined) {
    const incident = getIncidentByNumber(deps.db, Number(m[1]));
    if (!incident) throw new DomainError('not_found', `There is no INC-${m[1]}.`);
    return {
      scope: { kind: 'incident', incidentId: incident.id },
      list: `inc:${incident.id}`,
      title: `Open follow-ups of ${incidentRef(incident)}`,
      incident,
    };
  }
  throw new DomainError(
    'invalid_input',
    'Use `/incident followups`, `/incident followups all` or `/incident followups INC-4`.',
  );
}

/** Builds the list for a scope as seen by `userId` (used by the command and to redraw after a click). */
export async function renderFollowUpList(
  deps: Deps,
  client: WebClient,
  userId: string,
  list: ListScope,
  note?: string,
): Promise<ReturnType<typeof followUpListMessage>> {
  const tz = await getUserTz(client, deps.db, deps.clock, userId);
  const today = localTime(deps.clock.now(), tz).date;
  const rest = list === 'mine' || list === 'all' ? list : list === 'one' ? 'mine' : '';
  let resolved: ReturnType<typeof followUpScope>;
  if (list.startsWith('inc:')) {
    const id = Number(list.slice(4));
    const incident = getIncidentById(deps.db, id);
    if (!incident) throw new DomainError('not_found', 'That incident no longer exists.');
    resolved = {
      scope: { kind: 'incident', incidentId: id },
      list,
      title: `Open follow-ups of ${incidentRef(incident)}`,
      incident,
    };
  } else resolved = followUpScope(deps, rest, userId);
  const items = await visibleTo(deps.members, client, userId, listOpenFollowUps(deps.db, resolved.scope));
  return followUpListMessage(items, resolved.list, today, resolved.title, note, deps.config.TRACKER);
}

const INCIDENT_PREFIX = /^(?:inc-?\d+|#\d+)\s+/i;

/** `/incident [INC-n] followup edit <id> …`: the same rules as the Edit button's form. */
async function editFromCommand(deps: Deps, call: SubcommandCall): Promise<void> {
  const { db, clock } = deps;
  const user = call.bolt.command.user_id;
  const client = call.bolt.client;
  const named = INCIDENT_PREFIX.exec(call.rest)?.[0];
  const today = await todayFor(call);
  const parsed = parseFollowUpEditCommand(call.rest.replace(INCIDENT_PREFIX, ''), today);
  const before = getFollowUp(db, parsed.followUpId);
  if (!before)
    throw new DomainError(
      'not_found',
      `There is no follow-up #${parsed.followUpId}. \`/incident followups\` lists them with their numbers.`,
    );
  const incident = await assertMayTouchFollowUp(db, deps.members, client, before, user);
  if (named !== undefined) {
    const { incident: target } = resolveTargetIncident(db, named, undefined);
    if (target.id !== incident.id)
      throw new DomainError(
        'invalid_input',
        `Follow-up #${before.id} belongs to ${incidentRef(incident)}, not ${incidentRef(target)}.`,
      );
  }
  let ownerId: string | null | undefined;
  if (parsed.ownerRef !== undefined && parsed.ownerRef !== null) {
    ownerId = whoIsNamed(deps, call, client, parsed.ownerRef);
    await assertMayOwn(deps.members, client, incident, ownerId);
  } else ownerId = parsed.ownerRef;
  const result = editFollowUp(db, clock, {
    followUpId: before.id,
    by: user,
    today,
    ...(parsed.text !== undefined ? { text: parsed.text } : {}),
    ...(ownerId !== undefined ? { ownerId } : {}),
    ...(parsed.dueDate !== undefined ? { dueDate: parsed.dueDate } : {}),
  });
  const f = result.followUp;
  await call.reply(
    result.changed
      ? `:pencil2: Follow-up #${f.id} of ${incidentRef(incident)}: ${editSummary(result.changes)}. Now: *${safe(f.text, 500)}* — owner ${ownerText(f.ownerId)}, ${f.dueDate ? `due ${f.dueDate}` : 'no due date'}.`
      : `Follow-up #${f.id} already reads like that; nothing changed.`,
  );
  if (result.changed)
    afterCommit(deps, 'followup:edit', () => announceFollowUpEdit(deps, client, result, user));
}

export function resolutionSubcommands(deps: Deps): Subcommand[] {
  const { db, clock, config } = deps;
  return [
    {
      name: 'resolve',
      usage: 'resolve',
      description: 'resolve the incident: what fixed it, the root cause, follow-ups',
      group: GROUP,
      async run(call) {
        const incident = await target(call);
        if (!isOpen(incident))
          throw new DomainError(
            'invalid_state',
            `${incidentRef(incident)} is already ${incident.status}. \`/incident reopen\` if it came back.`,
          );
        await assertCanChange(deps, call.bolt.client, incident, call.bolt.command.user_id);
        await openModal(
          call.deps,
          call.bolt.command.trigger_id,
          resolveModal(incident, config.ROOT_CAUSE_CATEGORIES, clock.now()),
        );
      },
    },
    {
      name: 'rootcause',
      aliases: ['root-cause', 'rca'],
      usage: 'rootcause',
      description: 'write down (or change) the root cause, any time',
      group: GROUP,
      async run(call) {
        const incident = await target(call);
        await assertCanChange(deps, call.bolt.client, incident, call.bolt.command.user_id);
        await openModal(
          call.deps,
          call.bolt.command.trigger_id,
          rootCauseModal(incident, config.ROOT_CAUSE_CATEGORIES),
        );
      },
    },
    {
      name: 'reopen',
      usage: 'reopen [reason]',
      description: 'reopen a resolved incident',
      group: GROUP,
      async run(call) {
        const { incident: found, rest } = resolveTargetIncident(db, call.rest, call.bolt.command.channel_id);
        const user = call.bolt.command.user_id;
        await assertCanChange(deps, call.bolt.client, found, user);
        const reopened = reopenIncident(db, clock, {
          incidentId: found.id,
          userId: user,
          reason: rest,
        });
        const { incident } = reopened;
        // In its own channel the announcement below says it; elsewhere the caller needs an answer.
        if (call.bolt.command.channel_id !== incident.channelId)
          await call.reply(`Reopened ${incidentRef(incident)}.`);
        const client = call.bolt.client;
        afterCommit(deps, 'reopen:announce', async () => {
          if (incident.channelId) {
            try {
              await client.chat.postMessage({
                channel: incident.channelId,
                text: `:rewind: ${mention(user)} reopened ${incidentRef(incident)}${rest ? `: ${safe(rest, 2000)}` : '.'} Status is back to Investigating.`,
              });
            } catch (e) {
              await tellPrivately(
                client,
                user,
                null,
                `${incidentRef(incident)} is reopened, but I could not say so in its channel (${describeError(e)}).`,
              );
            }
          }
          await refreshQuietly(deps, client, incident.id);
          publish(deps, reopened.incidentChanges);
        });
      },
    },
    {
      name: 'close',
      usage: 'close',
      description: 'close a resolved incident (archives its channel per ARCHIVE_POLICY)',
      group: GROUP,
      async run(call) {
        const found = await target(call);
        const user = call.bolt.command.user_id;
        const client = call.bolt.client;
        await assertCanChange(deps, client, found, user);
        const result = closeIncident(db, clock, config.ARCHIVE_POLICY, {
          incidentId: found.id,
          userId: user,
        });
        const { incident } = result;
        const archiveNote = result.archiveNow
          ? 'This channel is archived now; its timeline and follow-ups stay in Firebreak.'
          : result.archiveDueAt
            ? `This channel will be archived ${slackDate(result.archiveDueAt, '{date_short_pretty}')}.`
            : '';
        await call.reply(
          `Closed ${incidentRef(incident)}.${result.archiveNow ? ' Archiving its channel.' : ''}`,
        );
        afterCommit(deps, 'close:announce', async () => {
          if (incident.channelId && !incident.archivedAt) {
            try {
              await client.chat.postMessage({
                channel: incident.channelId,
                text: `:lock: ${mention(user)} closed ${incidentRef(incident)}. ${archiveNote}`.trim(),
              });
            } catch (e) {
              deps.logger.warn(`close message for ${incidentRef(incident)} failed: ${describeError(e)}`);
            }
          }
          await refreshQuietly(deps, client, incident.id);
          publish(deps, result.incidentChanges);
          if (result.archiveNow) {
            try {
              await archiveIncidentChannel(deps, client, incident);
            } catch (e) {
              await call.reply(
                `:warning: ${incidentRef(incident)} is closed, but Slack refused to archive ${incident.channelId ? channelLink(incident.channelId) : 'its channel'} (${describeError(e)}). Archive it by hand or try \`/incident close\` again later.`,
              );
            }
          }
        });
      },
    },
    {
      name: 'followup',
      aliases: ['follow-up', 'fu'],
      usage: 'followup <text> [@owner] [due <date>]',
      description:
        'add a follow-up (no text: a form); dates like 2026-12-01, tomorrow, fri, in 3d. `followup edit <id> [@owner|owner none] [due <date>|due none] [new text]` changes one',
      group: GROUP,
      async run(call) {
        if (isFollowUpEdit(call.rest.replace(INCIDENT_PREFIX, ''))) {
          await editFromCommand(deps, call);
          return;
        }
        const { incident, rest } = resolveTargetIncident(db, call.rest, call.bolt.command.channel_id);
        const user = call.bolt.command.user_id;
        if (!(await canView(deps.members, call.bolt.client, incident, user)))
          throw new DomainError(
            'not_member',
            'Only members of that incident’s channel can add follow-ups to it.',
          );
        if (rest === '') {
          const view = followUpModal(incident);
          view.private_metadata = JSON.stringify({
            incidentId: incident.id,
            channel: call.bolt.command.channel_id,
          });
          await openModal(call.deps, call.bolt.command.trigger_id, view);
          return;
        }
        const { ownerRef, ...parsed } = parseFollowUpCommand(rest, await todayFor(call));
        if (ownerRef !== undefined) parsed.ownerId = whoIsNamed(deps, call, call.bolt.client, ownerRef);
        const { followUp } = addFollowUp(db, clock, {
          ...parsed,
          incidentId: incident.id,
          createdBy: user,
        });
        await call.reply(
          `:fast_forward: Follow-up added to ${incidentRef(incident)}: *${safe(followUp.text, 500)}* — owner ${ownerText(followUp.ownerId)}, ${followUp.dueDate ? `due ${followUp.dueDate}` : 'no due date'}. \`/incident followups\` lists yours.`,
        );
      },
    },
    {
      name: 'followups',
      aliases: ['follow-ups'],
      usage: 'followups [all|INC-<n>]',
      description: 'your open follow-ups (or all, or one incident’s), with Done, Snooze and Edit',
      group: GROUP,
      async run(call) {
        const user = call.bolt.command.user_id;
        const { list, incident } = followUpScope(deps, call.rest, user);
        if (incident && !(await canView(deps.members, call.bolt.client, incident, user)))
          throw new DomainError('not_found', `There is no ${incidentRef(incident)} you can see.`);
        await call.reply(await renderFollowUpList(deps, call.bolt.client, user, list));
      },
    },
  ];
}

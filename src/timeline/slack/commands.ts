import { DomainError } from '../../incidents/errors.js';
import { incidentRef } from '../../incidents/model.js';
import { resolveTargetIncident } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { assertCanChange, canView } from '../../slack/access.js';
import type { Subcommand } from '../../slack/command/router.js';
import { channelLink } from '../../slack/format.js';
import { afterCommit, publish } from '../../slack/kit.js';
import { getUserTz } from '../../slack/users.js';
import { addNote } from '../add-note.js';
import { relativeTime } from '../export.js';
import { timelinePage } from '../page.js';
import { uploadPostmortemFile } from './export.js';
import { absoluteTime, timelineMessage } from './views/timeline.js';

const notVisible = () => new DomainError('not_found', 'There is no such incident, or it is private.');

/** Subcommands of the timeline feature: note, timeline, export. */
export function timelineSubcommands(deps: Deps): Subcommand[] {
  return [
    {
      name: 'note',
      usage: 'note [at [YYYY-MM-DD] HH:MM] <text>',
      description: 'add a note to the timeline, now or backdated (your Slack time zone)',
      group: 'Timeline',
      async run(call) {
        const { command, client } = call.bolt;
        const { incident, rest } = resolveTargetIncident(deps.db, call.rest, command.channel_id);
        await assertCanChange(deps, client, incident, command.user_id);
        const tz = await getUserTz(client, deps.db, deps.clock, command.user_id);
        // Stored before the answer goes out: the note is safe even if Slack never shows the reply.
        const { event, backdated, incidentChanges } = addNote(deps.db, deps.clock, {
          incident,
          authorId: command.user_id,
          input: rest,
          tz,
        });
        publish(deps, incidentChanges);
        const when = backdated
          ? ` at ${absoluteTime(event.occurredAt, tz)} (${tz}), ${relativeTime(event.occurredAt, incident.startedAt)}`
          : '';
        await call.reply(
          `:memo: Note added to the ${incidentRef(incident)} timeline${when}.${event.redacted ? ' Something that looked like a secret was redacted.' : ''}`,
        );
      },
    },
    {
      name: 'timeline',
      usage: 'timeline [page]',
      description: 'show the timeline, with times since impact start and in your time zone',
      group: 'Timeline',
      async run(call) {
        const { command, client } = call.bolt;
        const { incident, rest } = resolveTargetIncident(deps.db, call.rest, command.channel_id);
        if (!(await canView(deps.members, client, incident, command.user_id))) throw notVisible();
        const n = rest === '' ? 1 : Number(rest);
        if (!Number.isInteger(n) || n < 1)
          throw new DomainError('invalid_input', 'Usage: `/incident timeline [page]`.');
        const tz = await getUserTz(client, deps.db, deps.clock, command.user_id);
        const page = timelinePage(deps.db, incident.id, n - 1);
        await call.reply(timelineMessage({ incident, ...page, tz }));
      },
    },
    {
      name: 'export',
      usage: 'export',
      description: 'upload a Markdown postmortem draft to the incident channel',
      group: 'Timeline',
      async run(call) {
        const { command, client } = call.bolt;
        const { incident } = resolveTargetIncident(deps.db, call.rest, command.channel_id);
        if (!(await canView(deps.members, client, incident, command.user_id))) throw notVisible();
        const channelId = incident.channelId;
        if (!channelId) {
          throw new DomainError(
            'invalid_state',
            `${incidentRef(incident)} has no channel to upload the draft to.`,
          );
        }
        await call.reply(
          `:hourglass_flowing_sand: Uploading the ${incidentRef(incident)} postmortem draft to ${channelLink(channelId)}…`,
        );
        afterCommit(deps, `export ${incidentRef(incident)}`, () =>
          uploadPostmortemFile(deps, client, incident, command.user_id, (text) => call.reply(text)),
        );
      },
    },
  ];
}

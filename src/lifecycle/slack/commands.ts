import { invalid } from '../../incidents/errors.js';
import { listOpenIncidents } from '../../incidents/list.js';
import { type Incident, incidentRef, severityLabel, statusLabel } from '../../incidents/model.js';
import { resolveTargetIncident } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { assertCanChange, canView, isIncidentMember } from '../../slack/access.js';
import { type Subcommand, type SubcommandCall, whoIsNamed } from '../../slack/command/router.js';
import { mention, safe } from '../../slack/format.js';
import { afterCommit } from '../../slack/kit.js';
import { acknowledgeIncident } from '../acknowledge.js';
import { assignRole, parseRole } from '../assign-role.js';
import { declareIncident } from '../declare.js';
import { type EditDetails, editIncidentDetails, parseServicesText } from '../edit-details.js';
import { postUpdate } from '../post-update.js';
import { renameIncident } from '../rename.js';
import { getRoles } from '../roles.js';
import { setSeverity } from '../set-severity.js';
import { updateStatus } from '../update-status.js';
import { afterChange, publishStatusUpdate } from './changes.js';
import { openDeclareModal } from './declare-flow.js';
import { setupIncident } from './setup.js';
import { detailsChangeNotice } from './views/details-modal.js';
import { incidentListMessage } from './views/incident-list.js';
import { inviteRefusedMessage, PERSON_REFUSALS } from './views/setup-error.js';
import { severityChangeNotice } from './views/severity-modal.js';
import { statusChangeNotice } from './views/status-modal.js';
import { summaryBlocks, summaryText } from './views/summary.js';

const GROUP = 'Lifecycle';

/** The incident a command is about, checked for the caller's right to change it. */
async function target(call: SubcommandCall) {
  const { command, client } = call.bolt;
  const { incident, rest } = resolveTargetIncident(call.deps.db, call.rest, command.channel_id);
  await assertCanChange(call.deps, client, incident, command.user_id);
  return { incident, rest, userId: command.user_id, client };
}

/** Subcommands of the lifecycle feature. */
export function lifecycleSubcommands(deps: Deps): Subcommand[] {
  const { db, clock } = deps;
  return [
    {
      name: 'declare',
      usage: 'declare [title]',
      description: 'declare an incident (with a title: at once, at the default severity; without: the form)',
      group: GROUP,
      async run(call) {
        const { command, client } = call.bolt;
        const title = call.rest;
        if (!title) {
          await call.bolt.ack();
          await openDeclareModal(deps, client, command.trigger_id, command.user_id, {
            origin: command.channel_id,
          });
          return;
        }
        const incident = declareIncident(db, clock, { title, declaredBy: command.user_id });
        await call.reply(
          `:rotating_light: Declared *${incidentRef(incident)}* (${severityLabel(incident.severity)}): ${safe(incident.title, 300)}. Setting up its channel…`,
        );
        afterCommit(deps, `set up ${incidentRef(incident)}`, () =>
          setupIncident(deps, client, incident.id, {
            respond: (text) => call.bolt.respond({ response_type: 'ephemeral', text }),
          }),
        );
      },
    },
    {
      name: 'ack',
      aliases: ['acknowledge'],
      usage: 'ack',
      description: 'acknowledge the incident (you become lead if there is none)',
      group: GROUP,
      async run(call) {
        const { incident, userId, client } = await target(call);
        const r = acknowledgeIncident(db, clock, { incidentId: incident.id, userId });
        if (!r.acknowledged && !r.becameLead) {
          await call.reply(`${incidentRef(incident)} was already acknowledged.`);
          return;
        }
        await call.reply(
          `:ok_hand: Acknowledged ${incidentRef(incident)}${r.becameLead ? '; you are the lead' : ''}.`,
        );
        afterChange(
          deps,
          client,
          incident.id,
          `:ok_hand: ${mention(userId)} acknowledged${r.becameLead ? ' and is now the lead' : ''}.`,
        );
      },
    },
    {
      name: 'status',
      usage: 'status <investigating|identified|monitoring>',
      description: 'change the status (monitoring marks the incident mitigated)',
      group: GROUP,
      async run(call) {
        const { incident, rest, userId, client } = await target(call);
        const r = updateStatus(db, clock, { incidentId: incident.id, status: rest, userId });
        if (!r.changed) {
          await call.reply(`${incidentRef(incident)} is already ${statusLabel(r.to)}.`);
          return;
        }
        await call.reply(
          `Status of ${incidentRef(incident)}: ${statusLabel(r.from)} → *${statusLabel(r.to)}*.`,
        );
        afterChange(deps, client, incident.id, statusChangeNotice(userId, r.from, r.to));
      },
    },
    {
      name: 'severity',
      aliases: ['sev'],
      usage: 'severity <1-4>',
      description: 'change the severity (1 is the most severe)',
      group: GROUP,
      async run(call) {
        const { incident, rest, userId, client } = await target(call);
        const r = setSeverity(db, clock, { incidentId: incident.id, severity: rest, userId });
        if (!r.changed) {
          await call.reply(`${incidentRef(incident)} is already ${severityLabel(r.to)}.`);
          return;
        }
        await call.reply(
          `Severity of ${incidentRef(incident)}: ${severityLabel(r.from)} → *${severityLabel(r.to)}*.`,
        );
        afterChange(deps, client, incident.id, severityChangeNotice(userId, r.from, r.to));
      },
    },
    {
      name: 'lead',
      usage: 'lead @person',
      description: 'make someone the incident lead',
      group: GROUP,
      async run(call) {
        const { incident, rest, userId, client } = await target(call);
        const who = whoIsNamed(deps, call, client, rest);
        const r = assignRole(db, clock, { incidentId: incident.id, role: 'lead', userId: who, by: userId });
        await call.reply(
          r.changed
            ? `${mention(who)} now leads ${incidentRef(incident)}.`
            : `${mention(who)} already leads it.`,
        );
        if (r.changed) {
          afterChange(deps, client, incident.id, `${mention(userId)} made ${mention(who)} the lead.`);
          inviteIfMissing(deps, client, incident, who, userId);
        }
      },
    },
    {
      name: 'role',
      usage: 'role <comms|scribe> @person',
      description: 'give someone the comms or scribe role',
      group: GROUP,
      async run(call) {
        const { incident, rest, userId, client } = await target(call);
        const m = /^(\S+)\s+([\s\S]+)$/.exec(rest);
        if (!m?.[1] || !m[2]) throw invalid('Usage: `/incident role <comms|scribe> @person`.');
        const role = parseRole(m[1]);
        const who = whoIsNamed(deps, call, client, m[2]);
        const r = assignRole(db, clock, { incidentId: incident.id, role, userId: who, by: userId });
        await call.reply(
          r.changed
            ? `${mention(who)} is now ${role} for ${incidentRef(incident)}.`
            : `${mention(who)} already is ${role}.`,
        );
        if (r.changed) {
          afterChange(deps, client, incident.id, `${mention(userId)} made ${mention(who)} the ${role}.`);
          inviteIfMissing(deps, client, incident, who, userId);
        }
      },
    },
    {
      name: 'rename',
      usage: 'rename <title>',
      description: 'change the incident’s title',
      group: GROUP,
      async run(call) {
        const { incident, rest, userId, client } = await target(call);
        const r = renameIncident(db, clock, { incidentId: incident.id, title: rest, userId });
        await call.reply(
          r.changed ? `Renamed ${incidentRef(incident)}: ${safe(r.to, 300)}` : 'That is its title already.',
        );
        if (r.changed) {
          afterChange(
            deps,
            client,
            incident.id,
            `${mention(userId)} renamed the incident: ${safe(r.to, 300)}`,
            r.incidentChanges,
          );
        }
      },
    },
    {
      name: 'services',
      usage: 'services <a, b, c>',
      description: 'set the affected services (comma-separated; `-` clears them)',
      group: GROUP,
      async run(call) {
        const { incident, rest, userId, client } = await target(call);
        if (!rest) {
          throw invalid(
            `Usage: \`/incident services checkout, payments\` (\`-\` clears them). Now: ${incident.services.length ? safe(incident.services.join(', '), 500) : 'none'}.`,
          );
        }
        const r = editIncidentDetails(db, clock, {
          incidentId: incident.id,
          userId,
          services: parseServicesText(rest),
        });
        await replyDetails(call, deps, client, r, userId);
      },
    },
    {
      name: 'describe',
      aliases: ['description'],
      usage: 'describe <text>',
      description: 'replace the incident’s description (`-` clears it)',
      group: GROUP,
      async run(call) {
        const { incident, rest, userId, client } = await target(call);
        if (!rest)
          throw invalid('Usage: `/incident describe <what is happening, for whom>` (`-` clears it).');
        const r = editIncidentDetails(db, clock, {
          incidentId: incident.id,
          userId,
          description: rest === '-' ? '' : rest,
        });
        await replyDetails(call, deps, client, r, userId);
      },
    },
    {
      name: 'update',
      usage: 'update <text>',
      description: 'post a status update in the channel and under the announcement',
      group: GROUP,
      async run(call) {
        const { incident, rest, userId, client } = await target(call);
        const r = postUpdate(db, clock, { incidentId: incident.id, text: rest, userId });
        await call.reply(`:mega: Update posted for ${incidentRef(incident)}.`);
        afterCommit(deps, `update ${incidentRef(incident)}`, () =>
          publishStatusUpdate(client, r.incident, userId, r.event.text),
        );
      },
    },
    {
      name: 'show',
      usage: 'show',
      description: 'show the incident’s summary (only to you)',
      group: GROUP,
      async run(call) {
        const { command, client } = call.bolt;
        const { incident } = resolveTargetIncident(db, call.rest, command.channel_id);
        if (!(await canView(deps.members, client, incident, command.user_id))) {
          throw invalid('You can’t see that incident: only members of its channel can.');
        }
        await call.reply({
          text: summaryText(incident),
          blocks: summaryBlocks(incident, getRoles(db, incident.id)),
        });
      },
    },
    {
      name: 'list',
      usage: 'list',
      description: 'open incidents, most severe first (only to you)',
      group: GROUP,
      async run(call) {
        const { command, client } = call.bolt;
        const visible = [];
        for (const i of listOpenIncidents(db)) {
          if (!i.isPrivate || (await isIncidentMember(deps.members, client, i, command.user_id)))
            visible.push(i);
        }
        await call.reply(incidentListMessage(visible, clock.now()));
      },
    },
  ];
}

/** The answer to `services`/`describe`, then the usual after-change work and the recurrence re-check. */
async function replyDetails(
  call: SubcommandCall,
  deps: Deps,
  client: SubcommandCall['bolt']['client'],
  r: EditDetails,
  userId: string,
): Promise<void> {
  const ref = incidentRef(r.incident);
  if (r.changes.length === 0) {
    await call.reply(`Nothing changed: ${ref} already has that.`);
    return;
  }
  await call.reply(`:pencil2: Updated ${ref}: ${r.changes.map((c) => c.field).join(', ')}.`);
  afterChange(deps, client, r.incident.id, detailsChangeNotice(userId, r.changes), r.incidentChanges);
}

/**
 * A new lead or role holder who is not in the channel yet is added to it. When Slack will not add
 * them (a guest, a deactivated account) the role stands, and the channel is told why, naming who
 * gave the role.
 */
export function inviteIfMissing(
  deps: Deps,
  client: SubcommandCall['bolt']['client'],
  incident: Incident,
  user: string,
  by: string,
) {
  const channel = incident.channelId;
  if (!channel) return;
  afterCommit(deps, `invite ${user}`, async () => {
    try {
      await client.conversations.invite({ channel, users: user });
    } catch (e) {
      const code = (e as { data?: { error?: string } }).data?.error;
      if (code === 'already_in_channel' || code === 'cant_invite_self') return;
      if (!code || !PERSON_REFUSALS.has(code)) throw e;
      await client.chat.postMessage({
        channel,
        ...inviteRefusedMessage(incident, by, [{ user, error: code }]),
      });
    }
  });
}

import type { MessageShortcut } from '@slack/bolt';
import { findIncidentByChannel } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { canView } from '../../slack/access.js';
import type { Listeners } from '../../slack/dispatch.js';
import { SHORTCUT } from '../../slack/ids.js';
import { afterCommit, openModal } from '../../slack/kit.js';
import { captureMessage } from '../capture-message.js';
import { openIncidents } from '../page.js';
import { captureConfirmation, ensurePermalink, messageFromSlack } from './capture.js';
import { pickIncidentModal } from './views/pick-incident-modal.js';

/**
 * "Add to incident timeline" on any message. In an incident channel the message goes straight onto
 * that incident's timeline (committed before the ack); anywhere else a modal asks which open
 * incident (submissions.ts takes the answer).
 */
export function register(app: Listeners, deps: Deps): void {
  app.shortcut<MessageShortcut>(
    { callback_id: SHORTCUT.addToTimeline, type: 'message_action' },
    async ({ shortcut, ack, client, respond }) => {
      const channel = shortcut.channel.id;
      const message = messageFromSlack(
        channel,
        shortcut.message as Parameters<typeof messageFromSlack>[1],
        deps.people.nameOf,
      );
      if (!message) {
        await ack();
        await respond({
          response_type: 'ephemeral',
          text: ':warning: Slack did not say which message that was.',
        });
        return;
      }
      const incident = findIncidentByChannel(deps.db, channel);
      if (incident) {
        const result = captureMessage(deps.db, deps.clock, {
          incidentId: incident.id,
          message,
          via: 'shortcut',
          by: shortcut.user.id,
        });
        await ack();
        await respond({ response_type: 'ephemeral', text: captureConfirmation(incident, result) });
        afterCommit(deps, 'timeline permalink', () => ensurePermalink(deps, client, result));
        return;
      }
      await ack();
      // Private incidents are offered only to their members; no title leaks to anyone else.
      const open = openIncidents(deps.db);
      const visible = await Promise.all(open.map((i) => canView(deps.members, client, i, shortcut.user.id)));
      const choices = open.filter((_, k) => visible[k]);
      await openModal(
        deps,
        shortcut.trigger_id,
        pickIncidentModal(choices, {
          channel: message.channel,
          ts: message.ts,
          authorId: message.authorId,
          text: message.text,
          files: message.files,
          ...(message.threadTs ? { threadTs: message.threadTs } : {}),
          responseUrl: shortcut.response_url,
        }),
      );
    },
  );
}

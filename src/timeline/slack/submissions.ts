import type { ViewSubmitAction } from '@slack/bolt';
import { invalid } from '../../incidents/errors.js';
import { isOpen } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { assertCanChange } from '../../slack/access.js';
import type { Listeners } from '../../slack/dispatch.js';
import { BLOCK, VIEW } from '../../slack/ids.js';
import { submit } from '../../slack/kit.js';
import { captureMessage, completeCapturedText } from '../capture-message.js';
import { captureConfirmation, ensurePermalink, fetchMessage } from './capture.js';
import { decodePickMeta, parsePickIncident, pickIncidentDone } from './views/pick-incident-modal.js';

/** The "which open incident?" modal: capture into the chosen incident, errors inline on the select. */
export function register(app: Listeners, deps: Deps): void {
  app.view<ViewSubmitAction>(VIEW.pickIncident, async (args) => {
    const { view, body, client } = args;
    const userId = body.user.id;
    await submit(
      deps,
      args,
      BLOCK.incident,
      'The message was not added to the timeline',
      async (s) => {
        const meta = decodePickMeta(view.private_metadata);
        if (!meta) throw invalid('This form lost track of the message; run the shortcut again.');
        const incidentId = parsePickIncident(view.state as Parameters<typeof parsePickIncident>[0]);
        if (incidentId === null) throw invalid('Choose an incident.');
        const incident = getIncidentById(deps.db, incidentId);
        if (!incident || !isOpen(incident)) throw invalid('That incident is no longer open; choose another.');
        await assertCanChange(deps, client, incident, userId);
        const result = captureMessage(deps.db, deps.clock, {
          incidentId: incident.id,
          message: {
            channel: meta.channel,
            ts: meta.ts,
            authorId: meta.authorId,
            text: meta.text,
            files: meta.files,
            threadTs: meta.threadTs ?? null,
          },
          via: 'shortcut',
          by: userId,
        });
        await s.ack({
          response_action: 'update',
          view: pickIncidentDone(captureConfirmation(incident, result)),
        });
        return async () => {
          if (meta.cut && result.created) {
            // The modal could carry only part of a long message; read it whole where the bot can.
            try {
              const full = await fetchMessage(client, meta.channel, meta.ts, deps.people.nameOf);
              if (full) completeCapturedText(deps.db, result.event.id, full.text);
            } catch (e) {
              deps.logger.warn(
                `could not read the whole message ${meta.channel}/${meta.ts}; kept its first part`,
                e,
              );
            }
          }
          await ensurePermalink(deps, client, result);
        };
      },
      // Every refusal here is about the choice of incident: shown under the select.
      () => BLOCK.incident,
    );
  });
}

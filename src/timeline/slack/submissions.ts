import type { App } from '@slack/bolt';
import { isDomainError } from '../../incidents/errors.js';
import { incidentRef, isOpen } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { assertCanChange } from '../../slack/access.js';
import { BLOCK, VIEW } from '../../slack/ids.js';
import { captureMessage, completeCapturedText } from '../capture-message.js';
import { captureConfirmation, ensurePermalink, fetchMessage } from './capture.js';
import { decodePickMeta, parsePickIncident, pickIncidentDone } from './views/pick-incident-modal.js';

/** The "which open incident?" modal: capture into the chosen incident, errors inline on the select. */
export function register(app: App, deps: Deps): void {
  app.view(VIEW.pickIncident, async ({ ack, view, body, client }) => {
    const userId = body.user.id;
    const meta = decodePickMeta(view.private_metadata);
    const incidentId = parsePickIncident(view.state as Parameters<typeof parsePickIncident>[0]);
    const fail = (text: string) => ack({ response_action: 'errors', errors: { [BLOCK.incident]: text } });
    if (!meta) {
      await fail('This form lost track of the message; run the shortcut again.');
      return;
    }
    if (incidentId === null) {
      await fail('Choose an incident.');
      return;
    }
    const incident = getIncidentById(deps.db, incidentId);
    if (!incident || !isOpen(incident)) {
      await fail('That incident is no longer open; choose another.');
      return;
    }
    try {
      await assertCanChange(deps, client, incident, userId);
    } catch (e) {
      if (isDomainError(e)) {
        await fail(e.message);
        return;
      }
      throw e;
    }
    const result = captureMessage(deps.db, deps.clock.now(), {
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
    await ack({ response_action: 'update', view: pickIncidentDone(captureConfirmation(incident, result)) });
    deps.tasks.defer(`timeline capture into ${incidentRef(incident)}`, async () => {
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
    });
  });
}

import type { BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import { DomainError } from '../../incidents/errors.js';
import { type Incident, incidentRef } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { assertCanChange } from '../../slack/access.js';
import type { Listeners } from '../../slack/dispatch.js';
import { mention } from '../../slack/format.js';
import { ACTION } from '../../slack/ids.js';
import { afterCommit, openModal } from '../../slack/kit.js';
import { acknowledgeIncident } from '../acknowledge.js';
import { afterChange } from './changes.js';
import { openDeclareModal } from './declare-flow.js';
import { setupIncident } from './setup.js';
import { detailsModal } from './views/details-modal.js';
import { severityModal } from './views/severity-modal.js';
import { statusModal } from './views/status-modal.js';

type ButtonArgs = { body: BlockAction; action: ButtonAction; respond: RespondFn };

/** The incident a button names (its value is the incident id). */
function incidentOf(deps: Deps, action: ButtonAction): Incident {
  const i = getIncidentById(deps.db, Number(action.value));
  if (!i) throw new DomainError('not_found', 'That incident no longer exists.');
  return i;
}

/** Domain errors from a button go back to the person who clicked, ephemerally. */
async function tell(args: ButtonArgs, deps: Deps, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    const text = `:warning: ${e.message}`;
    if (args.body.response_url) {
      await args.respond({ response_type: 'ephemeral', replace_original: false, text });
    } else {
      deps.logger.warn(`could not tell ${args.body.user.id}: ${e.message}`);
    }
  }
}

/** actions listeners of the lifecycle feature. */
export function register(app: Listeners, deps: Deps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.acknowledge, async (args) => {
    const { ack, body, action, client } = args;
    await ack();
    await tell(args, deps, async () => {
      const incident = incidentOf(deps, action);
      await assertCanChange(deps, client, incident, body.user.id);
      const r = acknowledgeIncident(deps.db, deps.clock, { incidentId: incident.id, userId: body.user.id });
      if (!r.acknowledged && !r.becameLead) return;
      afterChange(
        deps,
        client,
        incident.id,
        `:ok_hand: ${mention(body.user.id)} acknowledged${r.becameLead ? ' and is now the lead' : ''}.`,
      );
    });
  });

  app.action<BlockAction<ButtonAction>>(ACTION.openUpdate, async (args) => {
    const { ack, body, action, client } = args;
    await ack();
    await tell(args, deps, async () => {
      const incident = incidentOf(deps, action);
      await assertCanChange(deps, client, incident, body.user.id);
      await openModal(deps, body.trigger_id, statusModal(incident));
    });
  });

  app.action<BlockAction<ButtonAction>>(ACTION.openSeverity, async (args) => {
    const { ack, body, action, client } = args;
    await ack();
    await tell(args, deps, async () => {
      const incident = incidentOf(deps, action);
      await assertCanChange(deps, client, incident, body.user.id);
      await openModal(deps, body.trigger_id, severityModal(incident));
    });
  });

  app.action<BlockAction<ButtonAction>>(ACTION.openEditDetails, async (args) => {
    const { ack, body, action, client } = args;
    await ack();
    await tell(args, deps, async () => {
      const incident = incidentOf(deps, action);
      await assertCanChange(deps, client, incident, body.user.id);
      await openModal(deps, body.trigger_id, detailsModal(incident));
    });
  });

  app.action<BlockAction<ButtonAction>>(ACTION.retrySetup, async (args) => {
    const { ack, body, action, client } = args;
    await ack();
    await tell(args, deps, async () => {
      const incident = incidentOf(deps, action);
      if (body.user.id !== incident.declaredBy && body.user.id !== incident.leadId) {
        await assertCanChange(deps, client, incident, body.user.id);
      }
      afterCommit(deps, `retry setup of ${incidentRef(incident)}`, async () => {
        const r = await setupIncident(deps, client, incident.id);
        if (r.ok && body.channel?.id && body.message?.ts) {
          // The DM with the Retry button now says it worked, so nobody clicks it again.
          const text = `:white_check_mark: ${incidentRef(r.incident)} is set up${r.incident.channelId ? `: <#${r.incident.channelId}>` : ''}.`;
          await client.chat.update({
            channel: body.channel.id,
            ts: body.message.ts,
            text,
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
          });
        }
      });
    });
  });

  // A URL button still sends block_actions; Slack shows an error unless it is acked.
  app.action(ACTION.openChannel, async ({ ack }) => {
    await ack();
  });

  app.action(ACTION.homeDeclare, async ({ ack, body, client }) => {
    await ack();
    const b = body as BlockAction;
    await openDeclareModal(deps, client, b.trigger_id, b.user.id);
  });
}

import type { ViewSubmitAction } from '@slack/bolt';
import { DomainError } from '../../incidents/errors.js';
import { parseLocalTime, readLocalTime } from '../../incidents/local-time.js';
import { type Incident, incidentRef } from '../../incidents/model.js';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { assertCanChange } from '../../slack/access.js';
import type { Listeners } from '../../slack/dispatch.js';
import { describeError } from '../../slack/effects.js';
import { safe } from '../../slack/format.js';
import { BLOCK, VIEW } from '../../slack/ids.js';
import { afterCommit, blocksNamed, submit, tellPrivately, type ViewArgs, valuesOf } from '../../slack/kit.js';
import { DECLARE_FIELDS, declareIncident } from '../declare.js';
import { editIncidentDetails } from '../edit-details.js';
import { postUpdate } from '../post-update.js';
import { setSeverity } from '../set-severity.js';
import { updateStatus } from '../update-status.js';
import { afterChange, publishStatusUpdate } from './changes.js';
import { declarerTz } from './declare-flow.js';
import { setupIncident } from './setup.js';
import { parseDeclareModal } from './views/declare-modal.js';
import { detailsChangeNotice, parseDetailsModal } from './views/details-modal.js';
import { parseSeverityModal, severityChangeNotice } from './views/severity-modal.js';
import { parseStatusModal, statusChangeNotice } from './views/status-modal.js';

/** The incident a modal was opened for, checked for the submitter's right to change it. */
async function modalIncident(
  deps: Deps,
  args: ViewArgs,
  incidentId: number | undefined,
  errorBlock: string,
): Promise<Incident> {
  const incident = incidentId ? getIncidentById(deps.db, incidentId) : undefined;
  if (!incident) throw new DomainError('not_found', 'That incident no longer exists.', errorBlock);
  await assertCanChange(deps, args.client, incident, args.body.user.id).catch((e: unknown) => {
    throw e instanceof DomainError ? new DomainError(e.code, e.message, errorBlock) : e;
  });
  return incident;
}

/**
 * The declare form's block for a verb's field (the fields are its block_ids but one): a service
 * error belongs to the typed "other services" input, the one input that can hold a name too long
 * (the menu offers only names already accepted), and which, unlike the menu, is always there.
 */
const declareBlocks = blocksNamed(
  BLOCK.title,
  BLOCK.severity,
  BLOCK.servicesNew,
  BLOCK.description,
  BLOCK.lead,
  BLOCK.startedAt,
);
const declareBlockFor = (field?: string) =>
  declareBlocks(field === DECLARE_FIELDS.services ? BLOCK.servicesNew : field);

/** views listeners of the lifecycle feature. */
export function register(app: Listeners, deps: Deps): void {
  app.view<ViewSubmitAction>(VIEW.declare, async (args) => {
    const { body, view, client } = args;
    await submit(
      deps,
      args,
      BLOCK.title,
      'Your incident was not declared',
      async (s) => {
        const form = parseDeclareModal(valuesOf(args), view.private_metadata);
        const userId = body.user.id;
        // A malformed time is refused inline at once, before waiting for the person's time zone.
        readLocalTime(form.startedAtText, BLOCK.startedAt);
        const zone = form.startedAtText ? await declarerTz(deps, client, userId) : null;
        const now = deps.clock.now();
        const startedAt =
          form.startedAtText && zone
            ? parseLocalTime(form.startedAtText, zone.tz, now, BLOCK.startedAt)
            : now;
        const src = form.metadata.source;
        const incident = declareIncident(deps.db, deps.clock, {
          title: form.title,
          declaredBy: userId,
          severity: form.severity,
          services: form.services,
          description: form.description,
          leadId: form.leadId,
          isPrivate: form.isPrivate,
          startedAt,
          source: src
            ? {
                channel: src.channel,
                ts: src.ts,
                text: src.text,
                authorId: src.author ?? null,
                permalink: src.permalink ?? null,
              }
            : null,
        });
        await s.ack();
        if (zone?.note) {
          await tellPrivately(
            client,
            userId,
            null,
            `:information_source: ${incidentRef(incident)}: ${zone.note} I took “${safe(form.startedAtText, 40)}” as <!date^${Math.floor(startedAt.getTime() / 1000)}^{date_short_pretty} {time}|${startedAt.toISOString()}>.`,
            deps.logger,
          );
        }
        const origin = form.metadata.origin;
        afterCommit(deps, `set up ${incidentRef(incident)}`, () =>
          setupIncident(deps, client, incident.id, {
            ...(origin
              ? {
                  respond: async (text: string) => {
                    try {
                      await client.chat.postEphemeral({ channel: origin, user: userId, text });
                    } catch (e) {
                      // The bot may not be in that channel; the declarer sees the new channel anyway.
                      deps.logger.info(`no confirmation in ${origin}: ${describeError(e)}`);
                    }
                  },
                }
              : {}),
          }),
        );
      },
      declareBlockFor,
    );
  });

  app.view<ViewSubmitAction>(VIEW.update, async (args) => {
    const { body, view, client } = args;
    await submit(
      deps,
      args,
      BLOCK.status,
      'The status was not changed',
      async (s) => {
        const form = parseStatusModal(valuesOf(args), view.private_metadata);
        // Validate the text before anything slow or changing, so an error leaves both untouched.
        if (form.text.length > 2900)
          throw new DomainError('invalid_input', 'At most 2,900 characters.', BLOCK.updateText);
        const incident = await modalIncident(deps, args, form.incidentId, BLOCK.status);
        const userId = body.user.id;
        const r = updateStatus(deps.db, deps.clock, { incidentId: incident.id, status: form.status, userId });
        const update = form.text
          ? postUpdate(deps.db, deps.clock, {
              incidentId: incident.id,
              text: form.text,
              userId,
              field: BLOCK.updateText,
            })
          : null;
        await s.ack();
        if (r.changed) {
          afterChange(deps, client, incident.id, statusChangeNotice(userId, r.from, r.to));
        }
        if (update) {
          afterCommit(deps, `update ${incidentRef(incident)}`, () =>
            publishStatusUpdate(
              client,
              getIncidentById(deps.db, incident.id) ?? update.incident,
              userId,
              update.event.text,
            ),
          );
        }
      },
      blocksNamed(BLOCK.status, BLOCK.updateText),
    );
  });

  app.view<ViewSubmitAction>(VIEW.severity, async (args) => {
    const { body, view, client } = args;
    await submit(
      deps,
      args,
      BLOCK.severity,
      'The severity was not changed',
      async (s) => {
        const form = parseSeverityModal(valuesOf(args), view.private_metadata);
        const incident = await modalIncident(deps, args, form.incidentId, BLOCK.severity);
        const userId = body.user.id;
        const r = setSeverity(deps.db, deps.clock, {
          incidentId: incident.id,
          severity: form.severity,
          userId,
        });
        await s.ack();
        if (r.changed) {
          afterChange(deps, client, incident.id, severityChangeNotice(userId, r.from, r.to));
        }
      },
      blocksNamed(BLOCK.severity),
    );
  });

  app.view<ViewSubmitAction>(VIEW.editDetails, async (args) => {
    const { body, view, client } = args;
    await submit(
      deps,
      args,
      BLOCK.title,
      'The details were not changed',
      async (s) => {
        const form = parseDetailsModal(valuesOf(args), view.private_metadata);
        const incident = await modalIncident(deps, args, form.incidentId, BLOCK.title);
        const userId = body.user.id;
        const r = editIncidentDetails(deps.db, deps.clock, {
          incidentId: incident.id,
          userId,
          title: form.title,
          services: form.services,
          description: form.description,
          capturedVia: 'modal',
        });
        await s.ack();
        if (r.changes.length) {
          afterChange(deps, client, incident.id, detailsChangeNotice(userId, r.changes), r.incidentChanges);
        }
      },
      blocksNamed(BLOCK.title, BLOCK.services, BLOCK.description),
    );
  });
}

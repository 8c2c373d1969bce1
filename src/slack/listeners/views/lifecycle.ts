import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { Deps } from '../../../deps.js';
import { declareIncident } from '../../../incidents/declare.js';
import { DomainError } from '../../../incidents/errors.js';
import { parseLocalTime } from '../../../incidents/local-time.js';
import { incidentRef, severityLabel, statusLabel } from '../../../incidents/model.js';
import { postUpdate } from '../../../incidents/post-update.js';
import { getIncidentById } from '../../../incidents/queries.js';
import { setSeverity } from '../../../incidents/set-severity.js';
import { updateStatus } from '../../../incidents/update-status.js';
import { assertCanChange } from '../../access.js';
import { describeError } from '../../effects.js';
import { mention } from '../../format.js';
import { BLOCK, VIEW } from '../../ids.js';
import { afterChange, publishStatusUpdate } from '../../incident-changes.js';
import { setupIncident } from '../../incident-setup.js';
import { getUserTz } from '../../users.js';
import { parseDeclareModal } from '../../views/declare-modal.js';
import { parseSeverityModal } from '../../views/severity-modal.js';
import { parseStatusModal } from '../../views/status-modal.js';
import type { ViewStateValues } from '../../views/view-state.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * Runs a submission; a DomainError becomes an inline error on its field (or on `fallbackBlock`),
 * which keeps the modal open with what the person typed.
 */
async function submit(args: ViewArgs, fallbackBlock: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    await args.ack({ response_action: 'errors', errors: { [e.field ?? fallbackBlock]: e.message } });
  }
}

const valuesOf = (args: ViewArgs) => args.view.state.values as unknown as ViewStateValues;

/** views listeners of the lifecycle feature. */
export function register(app: App, deps: Deps): void {
  app.view<ViewSubmitAction>(VIEW.declare, async (args) => {
    const { ack, body, view, client } = args;
    await submit(args, BLOCK.title, async () => {
      const form = parseDeclareModal(valuesOf(args), view.private_metadata);
      const userId = body.user.id;
      const now = deps.clock.now();
      const startedAt = form.startedAtText
        ? parseLocalTime(
            form.startedAtText,
            await getUserTz(client, deps.db, deps.clock, userId),
            now,
            BLOCK.startedAt,
          )
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
      await ack();
      const origin = form.metadata.origin;
      deps.tasks.defer(`set up ${incidentRef(incident)}`, () =>
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
    });
  });

  app.view<ViewSubmitAction>(VIEW.update, async (args) => {
    const { ack, body, view, client } = args;
    await submit(args, BLOCK.status, async () => {
      const form = parseStatusModal(valuesOf(args), view.private_metadata);
      const incident = form.incidentId ? getIncidentById(deps.db, form.incidentId) : undefined;
      if (!incident) throw new DomainError('not_found', 'That incident no longer exists.', BLOCK.status);
      const userId = body.user.id;
      await assertCanChange(deps, client, incident, userId).catch((e: unknown) => {
        throw e instanceof DomainError ? new DomainError(e.code, e.message, BLOCK.status) : e;
      });
      // Validate the text before changing anything, so an error leaves both untouched.
      if (form.text.length > 2900)
        throw new DomainError('invalid_input', 'At most 2,900 characters.', BLOCK.updateText);
      const r = updateStatus(deps.db, deps.clock, { incidentId: incident.id, status: form.status, userId });
      const update = form.text
        ? postUpdate(deps.db, deps.clock, {
            incidentId: incident.id,
            text: form.text,
            userId,
            field: BLOCK.updateText,
          })
        : null;
      await ack();
      if (r.changed) {
        afterChange(
          deps,
          client,
          incident.id,
          `${mention(userId)} changed the status: ${statusLabel(r.from)} → *${statusLabel(r.to)}*`,
        );
      }
      if (update) {
        deps.tasks.defer(`update ${incidentRef(incident)}`, () =>
          publishStatusUpdate(
            client,
            getIncidentById(deps.db, incident.id) ?? update.incident,
            userId,
            update.event.text,
          ),
        );
      }
    });
  });

  app.view<ViewSubmitAction>(VIEW.severity, async (args) => {
    const { ack, body, view, client } = args;
    await submit(args, BLOCK.severity, async () => {
      const form = parseSeverityModal(valuesOf(args), view.private_metadata);
      const incident = form.incidentId ? getIncidentById(deps.db, form.incidentId) : undefined;
      if (!incident) throw new DomainError('not_found', 'That incident no longer exists.', BLOCK.severity);
      const userId = body.user.id;
      await assertCanChange(deps, client, incident, userId).catch((e: unknown) => {
        throw e instanceof DomainError ? new DomainError(e.code, e.message, BLOCK.severity) : e;
      });
      const r = setSeverity(deps.db, deps.clock, {
        incidentId: incident.id,
        severity: form.severity,
        userId,
      });
      await ack();
      if (r.changed) {
        afterChange(
          deps,
          client,
          incident.id,
          `${mention(userId)} changed the severity: ${severityLabel(r.from)} → *${severityLabel(r.to)}*`,
        );
      }
    });
  });
}

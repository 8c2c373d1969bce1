import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { addTimelineEvent } from '../incidents/add-timeline-event.js';
import { invalid } from '../incidents/errors.js';
import { type Incident, isSeverity, type Severity, severityLabel } from '../incidents/model.js';
import { loadIncident, requireOpen } from '../incidents/verb-helpers.js';
import type { Clock } from '../runtime/clock.js';

export interface SeverityChange {
  incident: Incident;
  from: number;
  to: Severity;
  changed: boolean;
}

/** Accepts "2", "sev2", "SEV 2". */
export function parseSeverity(text: string, field?: string): Severity {
  const m = /^(?:sev\s*)?([0-9]+)$/i.exec(text.trim());
  const n = m?.[1] !== undefined ? Number(m[1]) : Number.NaN;
  if (!isSeverity(n)) throw invalid('Severity is 1 (critical) to 4 (low), e.g. `severity 2`.', field);
  return n;
}

export function setSeverity(
  db: Db,
  clock: Clock,
  input: {
    incidentId: number;
    severity: number | string;
    userId: string;
    via?: string;
    /**
     * Only make it more severe: a suggestion's button (the alerts' "Raise to SEVn") pressed after
     * someone already set the incident higher must not lower it.
     */
    raiseOnly?: boolean;
  },
): SeverityChange {
  const to =
    typeof input.severity === 'number'
      ? parseSeverity(String(input.severity), 'severity')
      : parseSeverity(input.severity, 'severity');
  const now = clock.now();
  return db.transaction((tx) => {
    const before = loadIncident(tx, input.incidentId);
    requireOpen(before, 'change its severity');
    if (before.severity === to || (input.raiseOnly && before.severity < to))
      return { incident: before, from: before.severity, to, changed: false };
    const incident =
      tx
        .update(incidents)
        .set({ severity: to, updatedAt: now })
        .where(eq(incidents.id, before.id))
        .returning()
        .get() ?? before;
    addTimelineEvent(tx, {
      incidentId: before.id,
      kind: 'severity',
      text: `Severity ${severityLabel(before.severity)} → ${severityLabel(to)}`,
      authorId: input.userId,
      data: { from: before.severity, to },
      occurredAt: now,
      recordedAt: now,
      capturedVia: input.via ?? 'command',
    });
    return { incident, from: before.severity, to, changed: true };
  });
}

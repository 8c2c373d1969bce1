import type { Incident } from './model.js';

/** A measured span and the two timestamps it was measured between, so every figure can be checked. */
export interface Span {
  ms: number;
  from: Date;
  to: Date;
  fromLabel: string;
  toLabel: string;
}

export interface IncidentDurations {
  /** declared → acknowledged (MTTA) */
  toAcknowledge: Span | null;
  /** impact started → mitigated */
  toMitigate: Span | null;
  /** declared → resolved (MTTR) */
  toResolve: Span | null;
  /** impact started → resolved */
  impact: Span | null;
}

const span = (from: Date | null, to: Date | null, fromLabel: string, toLabel: string): Span | null =>
  from && to && to.getTime() >= from.getTime()
    ? { ms: to.getTime() - from.getTime(), from, to, fromLabel, toLabel }
    : null;

export function incidentDurations(
  i: Pick<Incident, 'declaredAt' | 'startedAt' | 'acknowledgedAt' | 'mitigatedAt' | 'resolvedAt'>,
): IncidentDurations {
  return {
    toAcknowledge: span(i.declaredAt, i.acknowledgedAt, 'declared', 'acknowledged'),
    toMitigate: span(i.startedAt, i.mitigatedAt, 'impact started', 'mitigated'),
    toResolve: span(i.declaredAt, i.resolvedAt, 'declared', 'resolved'),
    impact: span(i.startedAt, i.resolvedAt, 'impact started', 'resolved'),
  };
}

/** "2h 5m", "3d 4h", "45s": durations for people. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

import { describe, expect, it } from 'vitest';
import type { IncomingAlert } from '../../../src/alerts/model.js';
import {
  parseAlertmanager,
  parseGeneric,
  parseGrafana,
  parseOpsgenie,
  parsePagerDuty,
} from '../../../src/alerts/parse.js';
import { decideSeverity, severityReason } from '../../../src/alerts/severity.js';
import { fixture, pdEvent } from '../../helpers/alerts.js';

const first = (alerts: IncomingAlert[]): IncomingAlert => {
  const a = alerts[0];
  if (!a) throw new Error('no alert parsed');
  return a;
};
const sev = (a: IncomingAlert) => decideSeverity(a, undefined).severity;
const code = (s: string) => `\`${s}\``;
const reason = (a: IncomingAlert) => severityReason(decideSeverity(a, undefined), code);

/** The documented sample with its first alert's `labels.severity` set to `value`. */
function amWith(value: string | undefined, path = 'alertmanager/firing.json') {
  const body = fixture<{ alerts: { labels: Record<string, string> }[] }>(path);
  for (const a of body.alerts) {
    if (value === undefined) delete a.labels.severity;
    else a.labels.severity = value;
  }
  return body;
}

describe('severity from the sender, no route', () => {
  it('Alertmanager: the documented sample is `critical` → SEV1; warning and info by convention', () => {
    const sample = first(parseAlertmanager(fixture('alertmanager/firing.json')).alerts);
    expect(sample.severity).toBe('critical');
    expect(sev(sample)).toBe(1);
    expect(reason(sample)).toBe("SEV1 from the alert's severity `critical`");
    expect(sev(first(parseAlertmanager(amWith('warning')).alerts))).toBe(3);
    expect(sev(first(parseAlertmanager(amWith('INFO')).alerts))).toBe(4);
    const odd = first(parseAlertmanager(amWith('foo')).alerts);
    expect(sev(odd)).toBe(3);
    expect(reason(odd)).toBe("SEV3, the default: the alert's severity `foo` is not one I know");
    const none = first(parseAlertmanager(amWith(undefined)).alerts);
    expect(reason(none)).toBe('SEV3, the default: the alert gives no severity');
  });

  it('Grafana: its documented sample carries no severity label (default); with one, the same convention', () => {
    const sample = first(parseGrafana(fixture('grafana/firing.json')).alerts);
    expect(decideSeverity(sample, undefined)).toEqual({ severity: 3, origin: { kind: 'none' } });
    expect(sev(first(parseGrafana(amWith('critical', 'grafana/firing.json')).alerts))).toBe(1);
  });

  it('PagerDuty: the sample’s priority P1 → SEV1; without a priority, urgency high → SEV2, low → SEV4', () => {
    const sample = first(parsePagerDuty(fixture('pagerduty/incident.priority_updated.json')).alerts);
    expect(sev(sample)).toBe(1);
    expect(reason(sample)).toBe("SEV1 from the alert's priority `P1`");
    const noPriority = (urgency: string) =>
      first(
        parsePagerDuty(
          pdEvent('incident.triggered', {
            priority: null,
            urgency,
          }),
        ).alerts,
      );
    expect(sev(noPriority('high'))).toBe(2);
    expect(reason(noPriority('high'))).toBe("SEV2 from the alert's urgency `high`");
    expect(sev(noPriority('low'))).toBe(4);
    // An account's own priority name Firebreak does not know: the urgency still says something.
    const custom = first(
      parsePagerDuty(pdEvent('incident.triggered', { priority: { summary: 'Sev-A' }, urgency: 'low' }))
        .alerts,
    );
    expect(sev(custom)).toBe(4);
    expect(
      sev(first(parsePagerDuty(pdEvent('incident.triggered', { priority: { summary: 'P5' } })).alerts)),
    ).toBe(4);
  });

  it('Opsgenie: priority P1–P5 (the sample has none: default)', () => {
    const sample = first(parseOpsgenie(fixture('opsgenie/create.json')).alerts);
    expect(reason(sample)).toBe('SEV3, the default: the alert gives no severity');
    const withPriority = (p: string) => {
      const body = fixture<{ alert: Record<string, unknown> }>('opsgenie/create.json');
      body.alert.priority = p;
      return first(parseOpsgenie(body).alerts);
    };
    expect([1, 2, 3, 4, 5].map((n) => sev(withPriority(`P${n}`)))).toEqual([1, 2, 3, 4, 4]);
    expect(reason(withPriority('P2'))).toBe("SEV2 from the alert's priority `P2`");
  });

  it('generic: sev1–sev4, 1–4 and critical/high/medium/low/info', () => {
    const sample = first(parseGeneric(fixture('generic/firing.json')).alerts);
    expect(sev(sample)).toBe(1);
    const g = (severity: string) => first(parseGeneric({ id: 'x', title: 'T', severity }).alerts);
    expect(['sev1', 'SEV2', 'sev-3', 'Sev 4'].map((s) => sev(g(s)))).toEqual([1, 2, 3, 4]);
    expect(['1', '2', '3', '4'].map((s) => sev(g(s)))).toEqual([1, 2, 3, 4]);
    expect(['critical', 'High', 'medium', 'low', 'info'].map((s) => sev(g(s)))).toEqual([1, 2, 3, 4, 4]);
    expect(['0', '5', 'sev5', 'warning'].map((s) => sev(g(s)))).toEqual([3, 3, 3, 3]);
  });

  it('a word means nothing across senders: Alertmanager’s `P1` or Opsgenie’s `critical` stays the default', () => {
    expect(sev(first(parseAlertmanager(amWith('P1')).alerts))).toBe(3);
    const body = fixture<{ alert: Record<string, unknown> }>('opsgenie/create.json');
    body.alert.priority = 'critical';
    expect(sev(first(parseOpsgenie(body).alerts))).toBe(3);
  });

  it('a route’s severity wins, and its severity_map is read before the table', () => {
    const a = first(parseAlertmanager(fixture('alertmanager/firing.json')).alerts);
    expect(decideSeverity(a, { name: 'r', severity: 4 })).toEqual({
      severity: 4,
      origin: { kind: 'route', route: 'r' },
    });
    expect(decideSeverity(a, { name: 'r', severity_map: { critical: 2 } }).severity).toBe(2);
    expect(decideSeverity(a, { name: 'r', severity_map: { warning: 2 } }).severity).toBe(1);
  });
});

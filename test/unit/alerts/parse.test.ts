import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../../src/alerts/model.js';
import {
  labelFingerprint,
  parseAlertmanager,
  parseGeneric,
  parseGrafana,
  parseOpsgenie,
  parsePagerDuty,
} from '../../../src/alerts/parse.js';
import { fixture, pdEvent } from '../../helpers/alerts.js';

const refused = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PayloadError);
    return (e as Error).message;
  }
  throw new Error('expected a PayloadError');
};

describe('Alertmanager (webhook_config, version 4)', () => {
  it('reads the documented sample', () => {
    const [a] = parseAlertmanager(fixture('alertmanager/firing.json')).alerts;
    expect(a).toMatchObject({
      source: 'alertmanager',
      fingerprint: '1a30ba71cca2921f',
      status: 'firing',
      title: 'BlackBox Probe Failure: https://server.example.org',
      severity: 'critical',
      service: 'http_checks',
      endsAt: null,
      groupKey: '{}/{severity="critical"}:{alertname="ProbeFailure"}',
    });
    expect(a?.startsAt.toISOString()).toBe('2023-02-06T13:08:45.828Z');
    expect(a?.labels.instance).toBe('https://server.example.org');
  });

  it('a resolved alert keeps its end; Go’s zero time means not ended', () => {
    const p = fixture<{ alerts: Record<string, unknown>[] }>('alertmanager/firing.json');
    Object.assign(p.alerts[0] as object, { status: 'resolved', endsAt: '2023-02-06T13:20:00Z' });
    expect(parseAlertmanager(p).alerts[0]?.endsAt?.toISOString()).toBe('2023-02-06T13:20:00.000Z');
  });

  it('without a fingerprint (older Alertmanager), the sorted labels are the identity', () => {
    const p = fixture<{ alerts: Record<string, unknown>[] }>('alertmanager/firing.json');
    delete (p.alerts[0] as Record<string, unknown>).fingerprint;
    const a = parseAlertmanager(p).alerts[0];
    expect(a?.fingerprint).toBe(labelFingerprint(a?.labels ?? {}));
    expect(labelFingerprint({ b: '2', a: '1' })).toBe(labelFingerprint({ a: '1', b: '2' }));
  });

  it('refuses what is not the format, naming the field', () => {
    expect(refused(() => parseAlertmanager({ receiver: 'x' }))).toContain('alerts');
    const p = fixture<{ alerts: Record<string, unknown>[] }>('alertmanager/firing.json');
    (p.alerts[0] as Record<string, unknown>).startsAt = 'yesterday';
    expect(refused(() => parseAlertmanager(p))).toBe(
      'alerts[0].startsAt: "yesterday" is not an RFC 3339 time',
    );
    expect(refused(() => parseAlertmanager([]))).toContain('body');
  });
});

describe('Grafana webhook contact point', () => {
  it('reads both alerts of the documented sample', () => {
    const { alerts } = parseGrafana(fixture('grafana/firing.json'));
    expect(alerts.map((a) => [a.fingerprint, a.title, a.source])).toEqual([
      ['c6eadffa33fcdf37', 'This alert was triggered for zone us-1', 'grafana'],
      ['bc97ff14869b13e3', 'This alert was triggered for zone eu-1', 'grafana'],
    ]);
    expect(alerts[0]?.url).toBe('https://play.grafana.org/alerting/1afz29v7z/edit');
    expect(alerts[0]?.startsAt.toISOString()).toBe('2021-10-12T07:51:03.157Z');
  });
});

describe('PagerDuty v3 webhooks', () => {
  it('an incident event is the PagerDuty incident as one alert', () => {
    const [a] = parsePagerDuty(fixture('pagerduty/incident.priority_updated.json')).alerts;
    expect(a).toMatchObject({
      source: 'pagerduty',
      fingerprint: 'PGR0VU2',
      status: 'firing',
      title: 'A little bump in the road',
      service: 'API Service',
      severity: 'P1',
      url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
      groupKey: 'PF9KMXH',
    });
    expect(a?.labels).toMatchObject({ urgency: 'high', team: 'Engineering', escalation_policy: 'Default' });
  });

  it('incident.resolved resolves it at occurred_at', () => {
    const [a] = parsePagerDuty(pdEvent('incident.resolved')).alerts;
    expect(a?.status).toBe('resolved');
    expect(a?.endsAt?.toISOString()).toBe('2020-10-02T18:45:22.169Z');
  });

  it('events without alert state are ignored, not refused', () => {
    const r = parsePagerDuty(fixture('pagerduty/service.updated.json'));
    expect(r.alerts).toEqual([]);
    expect(r.ignored).toContain('service.updated');
    expect(parsePagerDuty({ event: { event_type: 'pagey.ping', data: {} } }).alerts).toEqual([]);
  });

  it('refuses an incident event without the incident', () => {
    expect(
      refused(() => parsePagerDuty({ event: { event_type: 'incident.triggered', data: {} } })),
    ).toContain('event.data.id');
    expect(refused(() => parsePagerDuty({}))).toContain('event');
  });
});

describe('Opsgenie outgoing webhook', () => {
  it('Create fires, Close and Delete resolve, other actions are ignored', () => {
    const create = fixture<Record<string, unknown>>('opsgenie/create.json');
    expect(parseOpsgenie(create).alerts[0]).toMatchObject({
      fingerprint: 'monitoring-alert-001',
      status: 'firing',
      title: 'Test alert from monitoring',
      groupKey: 'MonitoringTool',
    });
    expect(parseOpsgenie({ ...create, action: 'Close' }).alerts[0]?.status).toBe('resolved');
    expect(parseOpsgenie({ ...create, action: 'Delete' }).alerts[0]?.status).toBe('resolved');
    expect(parseOpsgenie({ ...create, action: 'AddNote' }).alerts).toEqual([]);
  });

  it('UpdatePriority is a re-rating of the stored alert, not a firing event; without a priority it is refused', () => {
    const update = fixture<{ alert: Record<string, unknown> }>('opsgenie/update-priority.json');
    const [a] = parseOpsgenie(update).alerts;
    expect(a).toMatchObject({ fingerprint: 'aliastest', severity: 'P1', reRateOnly: true });
    expect(a?.labels.priority).toBe('P1');
    // Every other action is read as before: no re-rating flag on a Create.
    expect(parseOpsgenie({ ...update, action: 'Create' }).alerts[0]?.reRateOnly).toBeUndefined();
    delete update.alert.priority;
    expect(refused(() => parseOpsgenie(update))).toContain('alert.priority');
  });

  it('without an alias, the alertId is the identity', () => {
    const create = fixture<{ alert: Record<string, unknown> }>('opsgenie/create.json');
    delete create.alert.alias;
    expect(parseOpsgenie(create).alerts[0]?.fingerprint).toBe('44f717bf-44bd-11c9-44c7-2d0cf1d07b23');
  });
});

describe('generic', () => {
  it('one alert or a batch', () => {
    expect(parseGeneric({ id: 'a', title: 'T' }).alerts).toHaveLength(1);
    const r = parseGeneric(fixture('generic/firing.json'));
    expect(r.alerts[0]).toMatchObject({
      fingerprint: 'checkout-5xx',
      service: 'checkout',
      labels: { env: 'prod' },
    });
  });

  it('refuses unknown fields and bad values with their path', () => {
    expect(refused(() => parseGeneric({ id: 'a', title: 'T', sevrity: 'high' }))).toContain('sevrity');
    expect(refused(() => parseGeneric({ alerts: [{ id: 'a', title: 'T', status: 'open' }] }))).toContain(
      'alerts[0].status',
    );
    expect(refused(() => parseGeneric({ alerts: [] }))).toContain('at least one');
    expect(refused(() => parseGeneric({ id: 'a', title: 'T', startsAt: '2026-12-06 21:00' }))).toContain(
      'startsAt',
    );
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IncomingAlert } from '../../../src/alerts/model.js';
import { createRouting, parseAlertRoutes } from '../../../src/alerts/routes.js';
import { ConfigError } from '../../../src/config.js';

const alert = (over: Partial<IncomingAlert> = {}): IncomingAlert => ({
  source: 'alertmanager',
  fingerprint: 'f',
  status: 'firing',
  title: 'T',
  description: '',
  severity: 'critical',
  service: 'checkout',
  labels: { team: 'payments', env: 'prod' },
  url: null,
  startsAt: new Date(0),
  endsAt: null,
  groupKey: null,
  ...over,
});

const FILE = `routes:
  - name: payments
    match:
      labels: { team: payments }
      severity: [critical, P1]
    channel: C0PAY
    severity: 1
    services: [payments]
    auto_declare: true
  - name: checkout
    match:
      service: Checkout
      source: [grafana]
    channel: C0CHECKOUT
  - name: rest
    severity: 4
`;

describe('alert routes', () => {
  const routing = createRouting(parseAlertRoutes(FILE, 'routes.yml'), 'C0DEFAULT');

  it('the first matching route decides; labels, severity (any case), service and source all count', () => {
    expect(routing.route(alert())).toEqual({
      name: 'payments',
      channel: 'C0PAY',
      severity: 1,
      severityOrigin: { kind: 'route', route: 'payments' },
      services: ['payments'],
      autoDeclare: true,
    });
    expect(routing.route(alert({ severity: 'p1' }))?.name).toBe('payments');
    expect(routing.route(alert({ labels: { team: 'search' } }))?.name).toBe('rest');
    // The checkout route sets no severity: Grafana's `critical` decides.
    expect(routing.route(alert({ labels: {}, source: 'grafana' }))).toMatchObject({
      name: 'checkout',
      channel: 'C0CHECKOUT',
      severity: 1,
      services: ['checkout'],
    });
    expect(routing.route(alert({ labels: {}, source: 'grafana', service: null }))?.name).toBe('rest');
  });

  it('a route without a channel, or no route at all, uses the default channel', () => {
    expect(routing.route(alert({ labels: {}, severity: null }))).toMatchObject({
      name: 'rest',
      channel: 'C0DEFAULT',
      severity: 4,
    });
    expect(createRouting([], 'C0DEFAULT').route(alert({ severity: 'foo' }))).toEqual({
      name: null,
      channel: 'C0DEFAULT',
      severity: 3,
      severityOrigin: { kind: 'unknown', field: 'severity', value: 'foo' },
      services: ['checkout'],
      autoDeclare: false,
    });
    expect(createRouting([], null).route(alert())).toBeNull();
  });

  it('without a route severity the sender’s decides; a route’s severity wins; severity_map comes first', () => {
    expect(createRouting([], 'C0DEFAULT').route(alert())).toMatchObject({
      severity: 1,
      severityOrigin: { kind: 'alert', field: 'severity', value: 'critical' },
    });
    expect(createRouting([], 'C0DEFAULT').route(alert({ severity: 'info' }))?.severity).toBe(4);
    const routes = parseAlertRoutes(
      `routes:
  - name: fixed
    match: { labels: { team: fixed } }
    severity: 2
  - name: mapped
    match: { labels: { team: mapped } }
    severity_map: { Warning: 2, P9: 1 }
`,
      'r.yml',
    );
    const r = createRouting(routes, 'C0DEFAULT');
    expect(r.route(alert({ labels: { team: 'fixed' } }))).toMatchObject({
      severity: 2,
      severityOrigin: { kind: 'route', route: 'fixed' },
    });
    expect(r.route(alert({ labels: { team: 'mapped' }, severity: 'warning' }))).toMatchObject({
      severity: 2,
      severityOrigin: { kind: 'route-map', route: 'mapped', field: 'severity', value: 'warning' },
    });
    // Words the route's map does not list fall through to the built-in table.
    expect(r.route(alert({ labels: { team: 'mapped' } }))?.severity).toBe(1);
    expect(r.severityFor(alert({ severity: 'warning' }), 'mapped').severity).toBe(2);
    expect(r.severityFor(alert({ severity: 'warning' }), null).severity).toBe(3);
    expect(() => parseAlertRoutes('routes:\n  - name: a\n    severity_map: { x: 5 }\n', 'r.yml')).toThrow(
      /routes\[0\]\.severity_map\.x: 1 \(critical\) to 4 \(low\)/,
    );
  });

  it('a mistake names the file, the line and the field', () => {
    const bad = FILE.replace('severity: 1', 'severity: 7');
    expect(() => parseAlertRoutes(bad, 'routes.yml')).toThrow(ConfigError);
    expect(() => parseAlertRoutes(bad, 'routes.yml')).toThrow(
      'ALERT_ROUTES routes.yml line 7: routes[0].severity: 1 (critical) to 4 (low)',
    );
    expect(() => parseAlertRoutes(FILE.replace('channel: C0PAY', 'channel: payments'), 'r.yml')).toThrow(
      /line 6: routes\[0\]\.channel: a Slack channel ID/,
    );
    expect(() => parseAlertRoutes(FILE.replace('auto_declare', 'autodeclare'), 'r.yml')).toThrow(
      /routes\[0\].*autodeclare/,
    );
    expect(() => parseAlertRoutes('routes:\n  - name: a\n  - name: a\n', 'r.yml')).toThrow(
      'line 3: routes[1].name: "a" is used twice',
    );
    expect(() => parseAlertRoutes('routes: [\n', 'r.yml')).toThrow(/r\.yml line \d+: not valid YAML/);
  });
});

describe('alert-routes.example.yml', () => {
  it('is a valid routes file', () => {
    const text = readFileSync(new URL('../../../alert-routes.example.yml', import.meta.url), 'utf8');
    expect(parseAlertRoutes(text, 'alert-routes.example.yml').map((r) => r.name)).toEqual([
      'payments-critical',
      'checkout',
      'search',
      'warnings',
    ]);
  });
});

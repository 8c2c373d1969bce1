import { describe, expect, it } from 'vitest';
import { validateBlocks } from '../../../sim/blockkit.js';
import type { AlertMemory } from '../../../src/alerts/memory.js';
import type { Alert, AlertGroup } from '../../../src/alerts/model.js';
import {
  alertCard,
  allAlertsResolvedMessage,
  MAX_OPTIONS,
  parseCardValue,
  parseRaiseValue,
  raiseAnswered,
  raiseSuggestionMessage,
} from '../../../src/alerts/slack/card.js';
import type { Incident } from '../../../src/incidents/model.js';

const now = new Date('2026-11-23T09:00:00Z');
const group = (over: Partial<AlertGroup> = {}): AlertGroup => ({
  id: 7,
  groupKey: 'generic|||',
  source: 'generic',
  routeName: null,
  channel: 'C0ALERTS',
  severity: 2,
  services: [],
  autoDeclare: false,
  cardChannel: null,
  cardTs: null,
  cardPostStartedAt: null,
  version: 1,
  renderedVersion: 0,
  incidentId: null,
  handledVia: null,
  handledBy: null,
  dismissedUntil: null,
  dismissedBy: null,
  cardError: null,
  createdAt: now,
  updatedAt: now,
  ...over,
});
const alert = (over: Partial<Alert> = {}): Alert => ({
  id: 1,
  source: 'generic',
  fingerprint: 'f',
  status: 'firing',
  title: 'Checkout returns 502',
  description: '',
  severity: 'critical',
  service: 'checkout',
  labels: {},
  url: null,
  startsAt: now,
  endsAt: null,
  fireCount: 1,
  groupId: 7,
  incidentId: null,
  firstSeenAt: now,
  lastSeenAt: now,
  ...over,
});
const incident = (n: number, over: Partial<Incident> = {}): Incident =>
  ({
    id: n,
    number: n,
    title: `Incident ${n} ${'x'.repeat(120)}`,
    status: 'investigating',
    isPrivate: false,
    channelId: null,
    ...over,
  }) as Incident;
const noMemory: AlertMemory = { warnings: [], possible: [], openRanked: [] };

describe('the triage card', () => {
  it('stays inside Block Kit’s limits whatever the sender wrote', () => {
    const huge = 'A'.repeat(5000);
    const labels = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`label_${i}`, huge.slice(0, 500)]),
    );
    const msg = alertCard({
      group: group(),
      total: 1000,
      firing: 999,
      lead: alert({ title: huge, description: huge, labels, url: 'https://example.com/x' }),
      recent: Array.from({ length: 8 }, (_, i) => alert({ id: i + 2, title: huge })),
      memory: noMemory,
      incident: null,
      attachable: Array.from({ length: 150 }, (_, i) => incident(i + 1)),
      now,
    });
    expect(validateBlocks(msg.blocks, 'message')).toEqual([]);
    const select = JSON.stringify(msg.blocks).match(/"value":"7:\d+"/g) ?? [];
    expect(select.length).toBeLessThanOrEqual(MAX_OPTIONS + 4);
    expect(msg.text.length).toBeLessThanOrEqual(3000);
  });

  it('escapes what the sender wrote: no pings, no forged links', () => {
    const msg = alertCard({
      group: group(),
      total: 1,
      firing: 1,
      lead: alert({
        title: '<!channel> disk full <https://evil.example|click>',
        labels: { team: '<@U0BOSS>' },
      }),
      recent: [],
      memory: noMemory,
      incident: null,
      attachable: [],
      now,
    });
    const text = JSON.stringify(msg.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U0BOSS>');
    expect(text).toContain('&lt;!channel&gt;');
  });

  it('offers the buttons only while nobody handled it and it is not dismissed', () => {
    const base = {
      total: 1,
      firing: 1,
      lead: alert(),
      recent: [],
      memory: noMemory,
      attachable: [incident(3)],
      now,
    };
    const open = JSON.stringify(alertCard({ ...base, group: group(), incident: null }).blocks);
    expect(open).toContain('alert_declare');
    expect(open).toContain('alert_attach');
    const dismissed = JSON.stringify(
      alertCard({
        ...base,
        group: group({ dismissedUntil: new Date(now.getTime() + 60_000), dismissedBy: 'U0BOB' }),
        incident: null,
      }).blocks,
    );
    expect(dismissed).not.toContain('alert_declare');
    expect(dismissed).toContain('Dismissed by <@U0BOB>');
    const declared = JSON.stringify(
      alertCard({
        ...base,
        group: group({ incidentId: 3, handledVia: 'declared', handledBy: 'U0ALICE' }),
        incident: incident(3),
      }).blocks,
    );
    expect(declared).not.toContain('alert_declare');
    expect(declared).toContain('Declared as *INC-3*');
  });

  it('the all-resolved prompt offers the usual Resolve button', () => {
    const m = allAlertsResolvedMessage(incident(4));
    expect(JSON.stringify(m.blocks)).toContain('incident_open_resolve');
    expect(validateBlocks(m.blocks, 'message')).toEqual([]);
  });

  it('reads its controls’ values and refuses anything else', () => {
    expect(parseCardValue('7:30')).toEqual({ groupId: 7, n: 30 });
    expect(parseCardValue('7:x')).toBeNull();
    expect(parseCardValue(undefined)).toBeNull();
  });
});

describe('the raise suggestion in an incident channel', () => {
  const msg = (title: string, reason: string | null = null) =>
    raiseSuggestionMessage({
      incident: incident(5, { severity: 3 }),
      alert: { title, source: 'generic', url: null },
      severity: 1,
      reason,
    });

  it('says which alert at which severity, escaped and within Block Kit’s limits, with one button', () => {
    const m = msg(`<!channel> checkout down <https://evil.example|click> ${'x'.repeat(5000)}`, 'why');
    expect(validateBlocks(m.blocks, 'message')).toEqual([]);
    const text = JSON.stringify(m.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil.example');
    expect(text).toContain('An alert came in at SEV1');
    expect(text).toContain('INC-5’s SEV3');
    expect(text).toContain('"value":"5:1"');
    expect(m.text.length).toBeLessThanOrEqual(3000);
  });

  it('once answered keeps what it said and loses its button', () => {
    const m = msg('Checkout down');
    const done = raiseAnswered(m.blocks, m.text, 'raised');
    expect(JSON.stringify(done.blocks)).not.toContain('alert_raise_severity');
    expect(JSON.stringify(done.blocks)).toContain('Checkout down');
    expect(validateBlocks(done.blocks, 'message')).toEqual([]);
  });

  it('reads its button’s value and refuses anything else', () => {
    expect(parseRaiseValue('5:1')).toEqual({ incidentId: 5, severity: 1 });
    expect(parseRaiseValue('5:0')).toBeNull();
    expect(parseRaiseValue('5:9')).toBeNull();
    expect(parseRaiseValue('x')).toBeNull();
    expect(parseRaiseValue(undefined)).toBeNull();
  });
});

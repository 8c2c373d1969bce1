import type { KnownBlock } from '@slack/types';
import { humanDuration } from '../../incidents/durations.js';
import { severityLabel } from '../../incidents/model.js';
import { channelLink, escapeText, incidentRefLink, mention, safe, slackDate } from '../../slack/format.js';
import type { Compared, Digest, Listed, NamedIncident } from '../build.js';
import type { DurationStat, RepeatRate } from '../metrics.js';
import { weekLabel } from '../week.js';

/**
 * The digest as Slack messages: a summary post people read in ten seconds, and the details as a
 * reply in its thread. Everything is built from a Digest, which holds no name of a private incident.
 * Each section is capped well below Block Kit's 3,000 characters and the whole message below the
 * ~12k characters Slack accepts across blocks, whatever the data.
 */
export interface DigestMessage {
  text: string;
  blocks: KnownBlock[];
}

const SECTION_MAX = 1800;
const SEVS = [1, 2, 3, 4] as const;

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

/** Lines joined until `max` characters; the rest becomes "…and N more". */
export function capLines(lines: readonly string[], max = SECTION_MAX): string {
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const rest = lines.length - i;
    const tail = `…and ${rest} more`;
    if (used + line.length + 1 > max - (rest > 1 ? tail.length + 1 : 0)) {
      out.push(tail);
      break;
    }
    out.push(line);
    used += line.length + 1;
  }
  return out.join('\n');
}

export function signed(n: number): string {
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '±0';
}

const pct = (r: number | null): string => (r === null ? 'n/a' : `${Math.round(r * 100)}%`);

function countLine(label: string, c: Compared, vs: string): string {
  const parts = SEVS.filter((s) => c.now.bySeverity[s] > 0 || c.before.bySeverity[s] > 0).map(
    (s) =>
      `${severityLabel(s)} ${c.now.bySeverity[s]} (${signed(c.now.bySeverity[s] - c.before.bySeverity[s])})`,
  );
  return `*${label}:* ${c.now.total} (${signed(c.now.total - c.before.total)} ${vs})${parts.length ? ` · ${parts.join(' · ')}` : ''}`;
}

export function durationLine(s: DurationStat, missingWhy: string): string {
  const head = `*${s.name}* (${s.fromLabel} → ${s.toLabel})`;
  if (s.cohort === 0) return `${head}: no incidents declared`;
  const figures =
    s.median === null || s.p90 === null
      ? 'not measurable yet'
      : `median ${humanDuration(s.median)}, p90 ${humanDuration(s.p90)}`;
  const missing = s.missing > 0 ? `; ${s.missing} ${missingWhy}` : '';
  return `${head}: ${figures} · measured on ${s.measured} of ${s.cohort}${missing}`;
}

const rateText = (label: string, r: RepeatRate): string =>
  `${label} ${pct(r.rate)} (${r.recurrences}/${r.incidents})`;

function refOf(i: NamedIncident): string {
  return `*${incidentRefLink(i)}*${i.channelId ? ` ${channelLink(i.channelId)}` : ''}`;
}

function incidentLine(i: NamedIncident): string {
  return `• ${refOf(i)} ${severityLabel(i.severity)} ${safe(i.title, 150)}`;
}

/** Named (public) incidents, then the private ones as a count only. */
function listedLines(l: Listed): string[] {
  const lines = l.named.map(incidentLine);
  if (l.privateCount > 0)
    lines.push(`• ${l.privateCount} private incident${l.privateCount === 1 ? '' : 's'} (not named)`);
  return lines;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function title(d: Digest): string {
  return `${d.partial ? 'This week so far' : 'Weekly incident digest'}: ${weekLabel(d.week)}`;
}

/** The quiet-week post: one short message that says so. */
function quietSummary(d: Digest): DigestMessage {
  const when = d.partial ? 'so far this week' : `in the week of ${weekLabel(d.week)}`;
  const facts = [
    `Still open: ${d.open.now.total}`,
    `Overdue follow-ups: ${d.overdue.total}`,
    rateText('12-week repeat rate', d.repeats.rate12),
  ];
  const text = `No incidents were declared ${when}.`;
  return {
    text: `${title(d)}: ${text}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title(d) } },
      section(`:sunny: ${text}`),
      context(facts.join(' · ')),
    ],
  };
}

/** The summary post (the parent of the thread). */
export function renderSummary(d: Digest): DigestMessage {
  if (d.declared.now.total === 0) return quietSummary(d);
  const vs = d.partial ? 'vs the same days last week' : 'vs the week before';
  const r = d.repeats;
  const repeats = r.confirmed.total + r.suspected.total;
  const lines = [
    countLine('Declared', d.declared, vs),
    countLine('Resolved', d.resolved, vs),
    countLine(d.partial ? 'Open now' : 'Still open at week end', d.open, vs),
  ];
  const response = [
    durationLine(d.mtta, 'never acknowledged (no timestamp)'),
    durationLine(
      d.mttr,
      d.partial ? 'not resolved yet (no timestamp)' : 'not resolved by week end (no timestamp)',
    ),
  ];
  if (d.fromAlerts.total > 0)
    response.push(
      `*Started from an alert:* ${d.fromAlerts.total} of ${d.declared.now.total} (MTTA for them runs from the alert's start)`,
    );
  const recurrence = [
    `*Recurrences:* ${repeats} of ${d.declared.now.total} incidents (${r.confirmed.total} confirmed, ${r.suspected.total} suspected) · repeat rate ${rateText('4 weeks', r.rate4)}, ${rateText('12 weeks', r.rate12)}`,
  ];
  const top = r.problems[0];
  if (top) {
    const label = top.named[0] ? safe(top.named[0].title, 120) : 'a private problem';
    recurrence.push(
      `*Top recurring problem:* ${label} — ${plural(top.occurrences, 'time')}${top.category ? ` (${escapeText(top.category)})` : ''}`,
    );
  }
  const owners = d.overdue.owners.length;
  const followUp = [
    `*Resolved without a root cause:* ${d.withoutRootCause.total} · *Overdue follow-ups:* ${d.overdue.total}${owners ? ` (${plural(owners, 'owner')})` : ''}`,
  ];
  const asOf = d.partial
    ? `As of ${slackDate(d.cutoff)}. Only you can see this.`
    : 'Details, recurring problems and the 12-week chart are in the thread.';
  const text = `${title(d)}: ${d.declared.now.total} declared, ${d.resolved.now.total} resolved, ${d.open.now.total} open`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title(d) } },
      section(lines.join('\n')),
      section(response.join('\n')),
      section(recurrence.join('\n')),
      section(followUp.join('\n')),
      context(asOf),
    ],
  };
}

/** The details (a thread reply under the summary). */
export function renderDetails(d: Digest): DigestMessage {
  const r = d.repeats;
  const blocks: KnownBlock[] = [];
  const add = (heading: string, lines: string[], empty: string) => {
    blocks.push(section(`*${heading}*\n${lines.length ? capLines(lines) : `_${empty}_`}`));
  };
  add(
    'Recurrences this week: confirmed',
    listedLines(r.confirmed),
    'None confirmed as the same problem as before.',
  );
  add(
    'Recurrences this week: suspected (warned, not yet answered)',
    listedLines(r.suspected),
    'No open recurrence warnings.',
  );
  add(
    'Top recurring problems (last 12 weeks, by linked incidents)',
    r.problems.map((p, i) => {
      const refs = p.named.slice(0, 4).map((n) => incidentRefLink(n));
      if (p.named.length > 4) refs.push(`${p.named.length - 4} more`);
      if (p.privateCount > 0) refs.push(`${p.privateCount} private`);
      const label = p.named[0] ? safe(p.named[0].title, 120) : 'A private problem';
      const cat = p.category ? escapeText(p.category) : 'root cause not known';
      return `${i + 1}. ${label} — *${plural(p.occurrences, 'time')}*, ${p.recentRepeats} recently · ${cat} · ${refs.join(', ')}`;
    }),
    'Nothing came back in the last 12 weeks.',
  );
  if (r.byCategory.length)
    add(
      'Recurrences by root-cause category (last 12 weeks)',
      [r.byCategory.map((c) => `${escapeText(c.category)}: ${c.repeats}`).join(' · ')],
      '',
    );
  if (d.fromAlerts.total > 0) add('Started from an alert', listedLines(d.fromAlerts), '');
  add(
    'Resolved without a root cause',
    listedLines(d.withoutRootCause),
    'Every resolved incident has a root cause.',
  );
  add(
    'Overdue follow-ups, by owner',
    d.overdue.owners.map((o) => {
      const who = o.ownerId ? mention(o.ownerId) : 'No owner';
      const items = o.named
        .slice(0, 3)
        .map((f) => `“${safe(f.text, 80)}” (INC-${f.incidentNumber}, due ${f.dueDate})`);
      if (o.named.length > 3) items.push(`${o.named.length - 3} more`);
      if (o.privateCount > 0) items.push(`${o.privateCount} from private incidents`);
      return `• ${who}: *${o.count}* — ${items.join('; ')}`;
    }),
    'No follow-up is overdue.',
  );
  blocks.push(
    context(
      'MTTA = declared → acknowledged, MTTR = declared → resolved, over incidents declared this week; median and p90 (nearest rank). Repeat rate = recurrences (confirmed, or warned and not marked unrelated) / incidents declared. Private incidents are counted, never named.',
    ),
  );
  return { text: `Digest details: ${weekLabel(d.week)}`, blocks };
}

/** `/incident digest`: summary and details in one ephemeral message. */
export function renderEphemeral(d: Digest): DigestMessage {
  const s = renderSummary(d);
  if (d.declared.now.total === 0) return s;
  const det = renderDetails(d);
  return { text: s.text, blocks: [...s.blocks, { type: 'divider' }, ...det.blocks] };
}

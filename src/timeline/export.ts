import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns/format';
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { followUps, incidentRoles } from '../db/schema.js';
import { humanDuration, incidentDurations, type Span } from '../incidents/durations.js';
import { DomainError } from '../incidents/errors.js';
import {
  type Incident,
  incidentRef,
  severityLabel,
  statusLabel,
  type TimelineEvent,
} from '../incidents/model.js';
import { getIncidentById } from '../incidents/queries.js';

import { fullTimeline, isPresence, knownNames } from './page.js';

/**
 * The postmortem draft: what Firebreak stored (who, when, what was said), gathered once into a
 * structure of sections, so the people writing the postmortem start from facts rather than
 * memory. Two renderings come from the same draft: the Markdown file `/incident export` uploads,
 * and the Slack canvas `/incident postmortem` writes (src/resolution/postmortem.ts). They differ
 * only where the surfaces do: a canvas mentions people as live @-mentions and has no HTML, a file
 * names people as text. Pure over the database; talking to Slack is the listener's job.
 */

/** Inline text: plain Markdown, or a person the rendering names its own way. */
export type Inline = string | { user: string };
export type Text = Inline[];

export type DraftBlock =
  | { kind: 'paragraph'; text: Text; italic?: boolean }
  /** `label: text` items; `sub` nests one level (contributing factors under the root cause). */
  | { kind: 'list'; items: { label?: string; text: Text; sub?: Text[] }[] }
  | { kind: 'table'; head: string[]; rows: Text[][] };

export interface DraftSection {
  /** Stable key, so tests and callers find a section without matching its heading. */
  key:
    | 'summary'
    | 'impact'
    | 'durations'
    | 'people'
    | 'root_cause'
    | 'contributing_factors'
    | 'resolution'
    | 'timeline'
    | 'follow_ups';
  heading: string;
  level: 2 | 3;
  blocks: DraftBlock[];
}

export interface PostmortemDraft {
  /** `INC-7: Checkout 502s` */
  ref: string;
  title: string;
  filename: string;
  /** The "drafted by Firebreak … edit freely" line. */
  intro: Text;
  sections: DraftSection[];
  /** Display names of everyone the draft mentions (ids Firebreak has not met stay ids). */
  names: ReadonlyMap<string, string>;
}

/** What the Markdown file holds (kept for the export's callers). */
export interface Postmortem {
  filename: string;
  title: string;
  markdown: string;
}

/** `T+12m` / `T-5m` from impact start: the postmortem's common clock. */
export function relativeTime(at: Date, start: Date): string {
  const d = at.getTime() - start.getTime();
  return `T${d < 0 ? '−' : '+'}${humanDuration(Math.abs(d))}`;
}

/** Slack markup into Markdown: mentions by name, links as links; everything else as typed. */
export function slackToMarkdown(text: string, names: ReadonlyMap<string, string>): string {
  return inlineToText(slackToInline(text), (id) => `@${names.get(id) ?? id}`);
}

/** Slack markup into inline text: people stay people (each rendering names them), links become links. */
export function slackToInline(text: string): Text {
  const out: Text = [];
  let last = 0;
  for (const m of text.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)) {
    const at = m.index ?? 0;
    if (at > last) out.push(slackMarkupToMarkdown(text.slice(last, at)));
    out.push({ user: m[1] ?? '' });
    last = at + m[0].length;
  }
  if (last < text.length) out.push(slackMarkupToMarkdown(text.slice(last)));
  return out;
}

function slackMarkupToMarkdown(text: string): string {
  return text
    .replace(/<#([CG][A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => `#${label || id}`)
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<(https?:\/\/[^|>\s]+)\|([^>]*)>/g, '[$2]($1)')
    .replace(/<(https?:\/\/[^|>\s]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function inlineToText(text: Text, person: (id: string) => string): string {
  return text.map((p) => (typeof p === 'string' ? p : person(p.user))).join('');
}

/** One table cell: no pipes or line breaks may escape it; `lineBreak` is what a break becomes. */
export function cell(text: string, lineBreak = '<br>'): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, lineBreak).trim();
}

export function exportFilename(incident: Pick<Incident, 'number' | 'title'>): string {
  const slug = incident.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return `${incidentRef(incident).toLowerCase()}${slug ? `-${slug}` : ''}-postmortem.md`;
}

/** Everyone the postmortem names, so the caller can make sure their names are known first. */
export function postmortemPeople(db: Db, incidentId: number): string[] {
  const incident = getIncidentById(db, incidentId);
  if (!incident) return [];
  const ids = new Set<string>([incident.declaredBy]);
  if (incident.leadId) ids.add(incident.leadId);
  for (const r of db.select().from(incidentRoles).where(eq(incidentRoles.incidentId, incidentId)).all())
    ids.add(r.userId);
  for (const e of fullTimeline(db, incidentId)) {
    if (e.authorId) ids.add(e.authorId);
    for (const m of e.text.matchAll(/<@([UW][A-Z0-9]+)/g)) if (m[1]) ids.add(m[1]);
  }
  for (const f of db.select().from(followUps).where(eq(followUps.incidentId, incidentId)).all()) {
    if (f.ownerId) ids.add(f.ownerId);
  }
  return [...ids].filter((id) => /^[UW][A-Z0-9]+$/.test(id));
}

const oneLine = (t: Text): Text => t.map((p) => (typeof p === 'string' ? p.replace(/\r?\n/g, ' ') : p));

/** The draft of an incident's postmortem, as of `now`, with times in `tz`. */
export function buildPostmortemDraft(
  db: Db,
  incidentId: number,
  opts: { now: Date; tz?: string },
): PostmortemDraft {
  const incident = getIncidentById(db, incidentId);
  if (!incident) throw new DomainError('not_found', 'That incident no longer exists.');
  const tz = opts.tz ?? 'UTC';
  const at = (d: Date) => `${format(new TZDate(d.getTime(), tz), 'yyyy-MM-dd HH:mm')}`;
  const roles = db
    .select()
    .from(incidentRoles)
    .where(eq(incidentRoles.incidentId, incident.id))
    .orderBy(asc(incidentRoles.role))
    .all();
  const entries = fullTimeline(db, incident.id);
  const fus = db
    .select()
    .from(followUps)
    .where(eq(followUps.incidentId, incident.id))
    .orderBy(asc(followUps.createdAt), asc(followUps.id))
    .all();

  const ids = new Set<string>([incident.declaredBy]);
  if (incident.leadId) ids.add(incident.leadId);
  for (const r of roles) ids.add(r.userId);
  for (const e of entries) if (e.authorId) ids.add(e.authorId);
  for (const f of fus) if (f.ownerId) ids.add(f.ownerId);
  for (const e of entries) for (const m of e.text.matchAll(/<@([UW][A-Z0-9]+)/g)) if (m[1]) ids.add(m[1]);
  const names = knownNames(db, ids);
  const who = (id: string | null | undefined): Text => (id ? [{ user: id }] : ['—']);
  const md = slackToInline;
  const p = (text: Text, italic = false): DraftBlock => ({
    kind: 'paragraph',
    text,
    ...(italic ? { italic } : {}),
  });

  const ref = incidentRef(incident);
  const title = `${ref}: ${incident.title}`.replace(/\r?\n/g, ' ');
  const sections: DraftSection[] = [];

  const facts: { label?: string; text: Text }[] = [
    { label: 'Severity', text: [severityLabel(incident.severity)] },
    { label: 'Status', text: [statusLabel(incident.status)] },
  ];
  if (incident.services.length) facts.push({ label: 'Services', text: [incident.services.join(', ')] });
  if (incident.tags.length) facts.push({ label: 'Tags', text: [incident.tags.join(', ')] });
  if (incident.isPrivate) facts.push({ text: ['**Private incident**'] });
  sections.push({
    key: 'summary',
    heading: 'Summary',
    level: 2,
    blocks: [
      incident.description.trim()
        ? p(md(incident.description.trim()))
        : p(['No description was given.'], true),
      { kind: 'list', items: facts },
    ],
  });

  const end = incident.resolvedAt ?? null;
  const window: { label: string; text: Text }[] = [
    { label: 'Impact started', text: [at(incident.startedAt)] },
    { label: 'Declared', text: [at(incident.declaredAt)] },
  ];
  if (incident.acknowledgedAt) window.push({ label: 'Acknowledged', text: [at(incident.acknowledgedAt)] });
  if (incident.mitigatedAt) window.push({ label: 'Mitigated', text: [at(incident.mitigatedAt)] });
  window.push({ label: 'Resolved', text: [end ? at(end) : '_not yet_'] });
  if (incident.closedAt) window.push({ label: 'Closed', text: [at(incident.closedAt)] });
  sections.push({
    key: 'impact',
    heading: 'Impact window',
    level: 2,
    blocks: [{ kind: 'list', items: window }],
  });

  const d = incidentDurations(incident);
  const spans: [string, Span | null][] = [
    ['Time to acknowledge', d.toAcknowledge],
    ['Time to mitigate', d.toMitigate],
    ['Time to resolve', d.toResolve],
    ['Impact duration', d.impact],
  ];
  const shownSpans = spans.filter((x): x is [string, Span] => x[1] !== null);
  if (shownSpans.length) {
    sections.push({
      key: 'durations',
      heading: 'Durations',
      level: 3,
      blocks: [
        {
          kind: 'table',
          head: ['measure', 'duration', 'from', 'to'],
          rows: shownSpans.map(([label, s]) => [
            [label],
            [humanDuration(s.ms)],
            [`${s.fromLabel} ${at(s.from)}`],
            [`${s.toLabel} ${at(s.to)}`],
          ]),
        },
      ],
    });
  }

  const people: { label?: string; text: Text }[] = [
    { label: 'Declared by', text: who(incident.declaredBy) },
    { label: 'Incident lead', text: who(incident.leadId) },
  ];
  for (const r of roles)
    people.push({ label: `${r.role.charAt(0).toUpperCase()}${r.role.slice(1)}`, text: who(r.userId) });
  const participants = [...new Set(entries.map((e) => e.authorId).filter((a): a is string => !!a))];
  if (participants.length)
    people.push({
      label: 'Took part',
      text: participants.flatMap((id, i) => (i === 0 ? who(id) : [', ', ...who(id)])),
    });
  sections.push({
    key: 'people',
    heading: 'People and roles',
    level: 2,
    blocks: [{ kind: 'list', items: people }],
  });

  const cause: DraftBlock[] = [];
  if (incident.rootCauseSummary?.trim()) cause.push(p(md(incident.rootCauseSummary.trim())));
  else cause.push(p([incident.rootCausePending ? 'Not known yet (pending).' : 'Not written yet.'], true));
  const causeFacts: { label?: string; text: Text; sub?: Text[] }[] = [];
  if (incident.rootCauseCategory) causeFacts.push({ label: 'Category', text: [incident.rootCauseCategory] });
  if (incident.contributingFactors.length)
    causeFacts.push({
      label: 'Contributing factors',
      text: [],
      sub: incident.contributingFactors.map((f) => oneLine(md(f))),
    });
  if (causeFacts.length) cause.push({ kind: 'list', items: causeFacts });
  sections.push({ key: 'root_cause', heading: 'Root cause', level: 2, blocks: cause });

  sections.push({
    key: 'resolution',
    heading: 'Resolution',
    level: 2,
    blocks: [
      incident.resolutionSummary?.trim()
        ? p(md(incident.resolutionSummary.trim()))
        : p(['Not written yet.'], true),
    ],
  });

  const shown = entries.filter((e) => e.removedAt === null && !isPresence(e));
  const timeline: DraftBlock[] = [];
  if (shown.length === 0) timeline.push(p(['Nothing on the timeline.'], true));
  else
    timeline.push({
      kind: 'table',
      head: [`time (${tz})`, 'since impact', 'who', 'what', 'source'],
      rows: shown.map((e) => timelineRow(e, incident, at, who)),
    });
  const hidden = entries.filter((e) => e.removedAt !== null && !isPresence(e)).length;
  if (hidden > 0) {
    timeline.push(
      p(
        [
          `${hidden} ${hidden === 1 ? 'entry was' : 'entries were'} removed from the timeline (unpinned, reaction removed or message deleted) and ${hidden === 1 ? 'is' : 'are'} not shown.`,
        ],
        true,
      ),
    );
  }
  sections.push({ key: 'timeline', heading: 'Timeline', level: 2, blocks: timeline });

  sections.push({
    key: 'follow_ups',
    heading: 'Follow-ups',
    level: 2,
    blocks:
      fus.length === 0
        ? [p(['None recorded yet.'], true)]
        : [
            {
              kind: 'table',
              // The ticket column only once a tracker is in use (src/trackers), so the draft of a
              // workspace without one keeps its four columns.
              head: [
                'status',
                'follow-up',
                'owner',
                'due',
                ...(fus.some((f) => f.ticketKey) ? ['ticket'] : []),
              ],
              rows: fus.map((f) => [
                [f.status],
                md(f.text),
                who(f.ownerId),
                [f.dueDate ?? '—'],
                ...(fus.some((x) => x.ticketKey) ? [[ticketCell(f)]] : []),
              ]),
            },
          ],
  });

  return {
    ref,
    title,
    filename: exportFilename(incident),
    intro: [
      `Drafted by Firebreak on ${at(opts.now)} ${tz} from the incident's record; edit freely. Times are ${tz}.`,
    ],
    sections,
    names,
  };
}

const TRACKER_NAMES: Record<string, string> = { github: 'GitHub', jira: 'Jira', linear: 'Linear' };

/** `[Jira OPS-12](https://…)`: the follow-up's ticket as a link, or `—`. */
function ticketCell(f: {
  ticketTracker: string | null;
  ticketKey: string | null;
  ticketUrl: string | null;
}): string {
  if (!f.ticketKey) return '—';
  const label = `${TRACKER_NAMES[f.ticketTracker ?? ''] ?? 'ticket'} ${f.ticketKey}`.replace(/[[\]]/g, '');
  return f.ticketUrl && /^https?:\/\/[^\s()<>]+$/.test(f.ticketUrl) ? `[${label}](${f.ticketUrl})` : label;
}

function timelineRow(
  e: TimelineEvent,
  incident: Incident,
  at: (d: Date) => string,
  who: (id: string | null) => Text,
): Text[] {
  const what: Text = slackToInline(e.text);
  if (what.length === 0 || (what.length === 1 && what[0] === '')) what.splice(0, what.length, `_${e.kind}_`);
  if (e.files.length) what.push(` (files: ${e.files.join(', ')})`);
  if (e.editedAt) what.push(' _(edited)_');
  if (e.redacted) what.push(' _(secrets redacted)_');
  const source = e.permalink ? `[message](${e.permalink})` : (e.capturedVia ?? e.kind);
  return [
    [at(e.occurredAt)],
    [relativeTime(e.occurredAt, incident.startedAt)],
    who(e.authorId),
    what,
    [source],
  ];
}

/** How a rendering differs: how people are named, what a line break in a table cell becomes. */
export interface MarkdownFlavor {
  person(id: string): string;
  /** Applied to every inline string (a canvas has no HTML: typed `<b>` must not read as a tag). */
  escape?: (text: string) => string;
  cellBreak: string;
  /** The file starts with its own `#` title; a canvas has a title of its own. */
  titleHeading: boolean;
}

export function renderDraft(draft: PostmortemDraft, flavor: MarkdownFlavor): string {
  const esc = flavor.escape ?? ((s: string) => s);
  const text = (t: Text) => t.map((p) => (typeof p === 'string' ? esc(p) : flavor.person(p.user))).join('');
  const out: string[] = [];
  if (flavor.titleHeading) out.push(`# Postmortem draft — ${draft.title}`, '');
  out.push(`_${text(draft.intro)}_`, '');
  for (const s of draft.sections) {
    out.push(`${'#'.repeat(s.level)} ${s.heading}`, '');
    for (const b of s.blocks) {
      if (b.kind === 'paragraph') {
        out.push(b.italic ? `_${text(b.text)}_` : text(b.text), '');
      } else if (b.kind === 'list') {
        for (const item of b.items) {
          const body = text(item.text);
          if (item.label) out.push(`- **${item.label}:**${body ? ` ${body}` : ''}`);
          else out.push(`- ${body}`);
          for (const sub of item.sub ?? []) out.push(`  - ${text(sub)}`);
        }
        out.push('');
      } else {
        out.push(`| ${b.head.join(' | ')} |`, `|${b.head.map(() => '---|').join('')}`);
        for (const row of b.rows)
          out.push(`| ${row.map((c) => cell(text(c), flavor.cellBreak)).join(' | ')} |`);
        out.push('');
      }
    }
  }
  return out.join('\n');
}

/** The Markdown file: people by name (a file is read outside Slack), line breaks in cells as `<br>`. */
export function fileFlavor(names: ReadonlyMap<string, string>): MarkdownFlavor {
  return { person: (id) => `@${names.get(id) ?? id}`, cellBreak: '<br>', titleHeading: true };
}

export function buildPostmortem(db: Db, incidentId: number, opts: { now: Date; tz?: string }): Postmortem {
  const draft = buildPostmortemDraft(db, incidentId, opts);
  return {
    filename: draft.filename,
    title: `Postmortem draft — ${draft.title}`,
    markdown: renderDraft(draft, fileFlavor(draft.names)),
  };
}

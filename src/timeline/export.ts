import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { followUps, incidentRoles } from '../db/schema.js';
import { incidentDurations, type Span } from '../incidents/durations.js';
import { DomainError } from '../incidents/errors.js';
import {
  type Incident,
  incidentRef,
  severityLabel,
  statusLabel,
  type TimelineEvent,
} from '../incidents/model.js';
import { getIncidentById } from '../incidents/queries.js';
import { humanDuration } from '../slack/format.js';
import { fullTimeline, isPresence, knownNames } from './page.js';

/**
 * The postmortem draft: one Markdown document built from what Firebreak stored, so the people
 * writing the postmortem start from facts (who, when, what was said) rather than memory.
 * Pure over the database; uploading it is the listener's job.
 */
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
export function slackToMarkdown(text: string, names: Map<string, string>): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, (_m, id: string) => `@${names.get(id) ?? id}`)
    .replace(/<#([CG][A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => `#${label || id}`)
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<(https?:\/\/[^|>\s]+)\|([^>]*)>/g, '[$2]($1)')
    .replace(/<(https?:\/\/[^|>\s]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** One table cell: no pipes or line breaks may escape it. */
export function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>').trim();
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

export function buildPostmortem(db: Db, incidentId: number, opts: { now: Date; tz?: string }): Postmortem {
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
  const who = (id: string | null | undefined) => (id ? `@${names.get(id) ?? id}` : '—');
  const md = (text: string) => slackToMarkdown(text, names);

  const ref = incidentRef(incident);
  const title = `${ref}: ${incident.title}`;
  const out: string[] = [];
  out.push(`# Postmortem draft — ${title.replace(/\r?\n/g, ' ')}`, '');
  out.push(
    `_Drafted by Firebreak on ${at(opts.now)} ${tz} from the incident's record; edit freely. Times are ${tz}._`,
    '',
  );

  out.push('## Summary', '');
  out.push(incident.description.trim() ? md(incident.description.trim()) : '_No description was given._', '');
  out.push(`- **Severity:** ${severityLabel(incident.severity)}`);
  out.push(`- **Status:** ${statusLabel(incident.status)}`);
  if (incident.services.length) out.push(`- **Services:** ${incident.services.join(', ')}`);
  if (incident.tags.length) out.push(`- **Tags:** ${incident.tags.join(', ')}`);
  if (incident.isPrivate) out.push('- **Private incident**');
  out.push('');

  out.push('## Impact window', '');
  const end = incident.resolvedAt ?? null;
  out.push(`- **Impact started:** ${at(incident.startedAt)}`);
  out.push(`- **Declared:** ${at(incident.declaredAt)}`);
  if (incident.acknowledgedAt) out.push(`- **Acknowledged:** ${at(incident.acknowledgedAt)}`);
  if (incident.mitigatedAt) out.push(`- **Mitigated:** ${at(incident.mitigatedAt)}`);
  out.push(`- **Resolved:** ${end ? at(end) : '_not yet_'}`);
  if (incident.closedAt) out.push(`- **Closed:** ${at(incident.closedAt)}`);
  out.push('');

  const d = incidentDurations(incident);
  const spans: [string, Span | null][] = [
    ['Time to acknowledge', d.toAcknowledge],
    ['Time to mitigate', d.toMitigate],
    ['Time to resolve', d.toResolve],
    ['Impact duration', d.impact],
  ];
  if (spans.some(([, s]) => s)) {
    out.push('### Durations', '');
    out.push('| measure | duration | from | to |', '|---|---|---|---|');
    for (const [label, s] of spans) {
      if (!s) continue;
      out.push(
        `| ${label} | ${humanDuration(s.ms)} | ${s.fromLabel} ${at(s.from)} | ${s.toLabel} ${at(s.to)} |`,
      );
    }
    out.push('');
  }

  out.push('## People and roles', '');
  out.push(`- **Declared by:** ${who(incident.declaredBy)}`);
  out.push(`- **Incident lead:** ${who(incident.leadId)}`);
  for (const r of roles)
    out.push(`- **${r.role.charAt(0).toUpperCase()}${r.role.slice(1)}:** ${who(r.userId)}`);
  const participants = [...new Set(entries.map((e) => e.authorId).filter((a): a is string => !!a))];
  if (participants.length) out.push(`- **Took part:** ${participants.map(who).join(', ')}`);
  out.push('');

  out.push('## Root cause', '');
  if (incident.rootCauseSummary?.trim()) {
    out.push(md(incident.rootCauseSummary.trim()), '');
  } else {
    out.push(incident.rootCausePending ? '_Not known yet (pending)._' : '_Not written yet._', '');
  }
  if (incident.rootCauseCategory) out.push(`- **Category:** ${incident.rootCauseCategory}`);
  if (incident.contributingFactors.length) {
    out.push('- **Contributing factors:**');
    for (const f of incident.contributingFactors) out.push(`  - ${md(f).replace(/\r?\n/g, ' ')}`);
  }
  if (incident.rootCauseCategory || incident.contributingFactors.length) out.push('');

  out.push('## Resolution', '');
  out.push(
    incident.resolutionSummary?.trim() ? md(incident.resolutionSummary.trim()) : '_Not written yet._',
    '',
  );

  out.push('## Timeline', '');
  const shown = entries.filter((e) => e.removedAt === null && !isPresence(e));
  if (shown.length === 0) {
    out.push('_Nothing on the timeline._', '');
  } else {
    out.push(`| time (${tz}) | since impact | who | what | source |`, '|---|---|---|---|---|');
    for (const e of shown) out.push(timelineRow(e, incident, at, who, md));
    out.push('');
  }
  const hidden = entries.filter((e) => e.removedAt !== null && !isPresence(e)).length;
  if (hidden > 0) {
    out.push(
      `_${hidden} ${hidden === 1 ? 'entry was' : 'entries were'} removed from the timeline (unpinned, reaction removed or message deleted) and ${hidden === 1 ? 'is' : 'are'} not shown._`,
      '',
    );
  }

  out.push('## Follow-ups', '');
  if (fus.length === 0) {
    out.push('_None recorded yet._', '');
  } else {
    out.push('| status | follow-up | owner | due |', '|---|---|---|---|');
    for (const f of fus) {
      out.push(`| ${f.status} | ${cell(md(f.text))} | ${cell(who(f.ownerId))} | ${f.dueDate ?? '—'} |`);
    }
    out.push('');
  }

  return {
    filename: exportFilename(incident),
    title: `Postmortem draft — ${title}`,
    markdown: out.join('\n'),
  };
}

function timelineRow(
  e: TimelineEvent,
  incident: Incident,
  at: (d: Date) => string,
  who: (id: string | null) => string,
  md: (t: string) => string,
): string {
  let what = md(e.text) || `_${e.kind}_`;
  if (e.files.length) what += ` (files: ${e.files.join(', ')})`;
  if (e.editedAt) what += ' _(edited)_';
  if (e.redacted) what += ' _(secrets redacted)_';
  const source = e.permalink ? `[message](${e.permalink})` : (e.capturedVia ?? e.kind);
  return `| ${at(e.occurredAt)} | ${relativeTime(e.occurredAt, incident.startedAt)} | ${cell(who(e.authorId))} | ${cell(what)} | ${cell(source)} |`;
}

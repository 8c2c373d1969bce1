import { createHash } from 'node:crypto';
import { tz } from '@date-fns/tz';
import { parse as parseWithFormat } from 'date-fns/parse';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { DEFAULT_SEVERITY, type Incident, type Severity } from '../incidents/model.js';
import {
  FIELD_MEANING,
  type Field,
  type ImportSource,
  PRESETS,
  type Preset,
  REQUIRED,
} from './import-presets.js';
import { looksLikeJson, type RawRecord, type Rec, readCsv, readJson } from './import-read.js';

/**
 * Past incidents from another tool's export (or Firebreak's own format), so the memory works from
 * the first day. An imported incident keeps its severity, its declared / acknowledged / resolved
 * times and its key and link in the source tool; it has no channel, status resolved,
 * `imported: true`, and a number in the negative space (schema.ts), so it never uses up an INC
 * number. Importing the same file twice adds nothing (dedupe on source + key).
 */

export interface ImportRow {
  /** Dedupe key: `<source>:<key>` (Firebreak's own format keeps its bare id). */
  externalId: string;
  source?: ImportSource;
  /** Shown instead of an INC number. */
  key?: string | null;
  url?: string | null;
  title: string;
  description: string;
  services: string[];
  tags: string[];
  /** Declared (created) time. */
  date: Date;
  startedAt?: Date | null;
  acknowledgedAt?: Date | null;
  resolvedAt?: Date | null;
  severity?: Severity;
  /** The export's severity value when it was not on the scale (the row got SEV3). */
  severityUnknown?: string | null;
  rootCause: string | null;
  category: string | null;
  resolution: string | null;
}

export type ParsedRow =
  | { ok: true; row: ImportRow; line: number }
  | { ok: false; reason: string; line: number };

export interface ImportOptions {
  source: ImportSource;
  /** field → column, replacing the preset's candidates for that field. */
  map?: Partial<Record<Field, string>>;
  /** date-fns format strings; when given, only these (and ISO 8601) are accepted. */
  dateFormats?: string[];
  /** IANA zone for times without an offset. */
  timeZone?: string;
  /** `https://acme.atlassian.net/browse/{key}`: a link for exports without a URL column. */
  urlTemplate?: string;
  /** The clock: two-digit years are read as the nearest to it. */
  now?: Date;
}

export type ParseResult =
  | { ok: true; rows: ParsedRow[]; columns: string[]; format: string }
  | { ok: false; error: string; columns?: string[] };

type Columns = Partial<Record<Field, string[]>>;

const TITLE_MAX = 150;
const TEXT_MAX = 4000;
const KEY_MAX = 64;

const lower = (s: string): string => s.trim().toLowerCase();

function candidates(preset: Preset, field: Field, map: ImportOptions['map']): string[] {
  const given = map?.[field];
  return (given !== undefined ? [given] : (preset.columns[field] ?? [])).map(lower);
}

/**
 * The columns a field is read from in this file: the candidates present, in preference order. A
 * row takes the first of them that has a value (PagerDuty's priority is often empty where its
 * urgency is set; an incident.io record may lack the "Reported at" timestamp but have created_at).
 */
function resolveColumns(preset: Preset, opts: ImportOptions, present: Set<string>): Columns {
  const out: Columns = {};
  for (const f of Object.keys(FIELD_MEANING) as Field[]) {
    const cols = candidates(preset, f, opts.map).filter((c) => present.has(c));
    if (cols.length) out[f] = cols;
  }
  return out;
}

const quoteList = (xs: string[]): string => xs.map((x) => `"${x}"`).join(', ');

/** Reads the file and maps every record; a missing required column stops everything, with help. */
export function parseExport(name: string, text: string, opts: ImportOptions): ParseResult {
  const preset = PRESETS[opts.source];
  const read = looksLikeJson(name, text) ? readJson(text, preset.jsonTransform) : readCsv(text);
  if (!read.ok) return { ok: false, error: read.error };
  if (read.records.length === 0 && read.errors.length === 0)
    return { ok: false, error: 'the file has a header but no rows', columns: read.columns };
  const present = new Set(read.columns.map(lower));
  for (const r of read.records) for (const k of r.rec.keys()) present.add(k);
  const columns = resolveColumns(preset, opts, present);
  for (const f of REQUIRED) {
    if (columns[f]) continue;
    const looked = opts.map?.[f] !== undefined ? [opts.map[f] as string] : (preset.columns[f] ?? []);
    return {
      ok: false,
      columns: read.columns,
      error:
        `the file has no column for the ${FIELD_MEANING[f]} (${f}); for ${preset.label} I looked for ${quoteList(looked)}.\n` +
        `Its columns are: ${quoteList(read.columns.slice(0, 60))}${read.columns.length > 60 ? ', …' : ''}.\n` +
        `Name the right one with --map ${f}=<column>${opts.source === 'firebreak' ? ', or pick the tool it came from with --from jira|pagerduty|opsgenie|incident-io' : ''}.`,
    };
  }
  const rows: ParsedRow[] = [
    ...read.errors.map((e): ParsedRow => ({ ok: false, reason: e.reason, line: e.row })),
    ...read.records.map((r) => toImportRow(r, preset, columns, opts)),
  ].sort((a, b) => a.line - b.line);
  return { ok: true, rows, columns: read.columns, format: read.format };
}

/** The values of the first of `cols` that has any in this record. */
function values(rec: Rec, cols: string[] | undefined): string[] {
  for (const c of cols ?? []) {
    const vs = (rec.get(c) ?? []).map((v) => v.trim()).filter(Boolean);
    if (vs.length) return vs;
  }
  return [];
}

function first(rec: Rec, cols: string[] | undefined): string | null {
  return values(rec, cols)[0] ?? null;
}

/** "a;b", "a, b", ["a","b"] and repeated columns all become a list. */
function list(vs: string[]): string[] {
  const out: string[] = [];
  for (const v of vs) {
    if (v.startsWith('[')) {
      try {
        const arr = JSON.parse(v) as unknown;
        if (Array.isArray(arr)) {
          out.push(...arr.map(String));
          continue;
        }
      } catch {
        // not JSON after all: fall through to separators
      }
    }
    out.push(...v.split(/[;|,]/));
  }
  return [...new Set(out.map((s) => s.trim()).filter(Boolean))];
}

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?$/i;

/**
 * A time from an export: ISO 8601 (with or without offset), then each format in turn (date-fns
 * tokens, e.g. `dd/MMM/yy h:mm a`), read in `timeZone` when the text carries no offset.
 */
export function parseTime(text: string, formats: string[], timeZone = 'UTC', now = new Date()): Date | null {
  const d = readTime(text, formats, timeZone, now);
  // A 4-digit-year format over "24" (year 24), or date-fns/tz's answer for an impossible day in a
  // zone with an old local-mean-time offset, gives dates no incident can have: refuse them.
  if (!d || d.getTime() < PLAUSIBLE_FROM || d.getTime() > now.getTime() + 366 * 86_400_000) return null;
  return d;
}

const PLAUSIBLE_FROM = Date.UTC(1980, 0, 1);

function readTime(text: string, formats: string[], timeZone: string, now: Date): Date | null {
  const t = text.trim();
  const iso = ISO.exec(t);
  if (iso) {
    if (iso[1]) {
      const d = new Date(t.replace(/\s*(UTC|GMT)$/i, 'Z').replace(' ', 'T'));
      if (!Number.isNaN(d.getTime())) return d;
    } else {
      const f =
        t.length === 10 ? 'yyyy-MM-dd' : t.length === 16 ? "yyyy-MM-dd'T'HH:mm" : "yyyy-MM-dd'T'HH:mm:ss";
      const d = parseWithFormat(t.replace(' ', 'T').replace(/\.\d+$/, ''), f, new Date(0), {
        in: tz(timeZone),
      });
      if (!Number.isNaN(d.getTime())) return new Date(d.getTime());
    }
  }
  for (const f of formats) {
    // The reference date decides the century of a two-digit year (Jira's "04/Mar/24"): the nearest to now.
    const d = parseWithFormat(t, f, now, { in: tz(timeZone) });
    if (!Number.isNaN(d.getTime())) return new Date(d.getTime());
  }
  return null;
}

/** Keys become part of Slack messages and modal titles: keep them short and inert. */
export function cleanKey(raw: string): string {
  return Array.from(raw.replace(/[^\w .:#/-]+/g, '-').trim())
    .slice(0, KEY_MAX)
    .join('');
}

/** Only http(s) links, and none that could break out of a Slack `<url|label>`. */
export function cleanUrl(raw: string | null): string | null {
  if (!raw) return null;
  try {
    const u = new URL(raw.trim());
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    return u.href.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E');
  } catch {
    return null;
  }
}

/** One record → a row, or why it is skipped (naming the column, so a person can fix it). */
export function toImportRow(r: RawRecord, preset: Preset, columns: Columns, opts: ImportOptions): ParsedRow {
  const line = r.row;
  const rec = r.rec;
  const skip = (reason: string): ParsedRow => ({ ok: false, reason, line });
  const formats = opts.dateFormats?.length ? opts.dateFormats : preset.dateFormats;
  const col = (f: Field) => columns[f]?.[0] ?? '';

  const title = (first(rec, columns.title) ?? '').replace(/\s+/g, ' ').trim();
  if (title === '') return skip(`no title (column "${col('title')}" is empty)`);
  const time = (f: Field): Date | null | 'bad' => {
    const v = first(rec, columns[f]);
    if (v === null) return null;
    return parseTime(v, formats, opts.timeZone, opts.now) ?? 'bad';
  };
  const badTime = (f: Field) => {
    const v = first(rec, columns[f]) ?? '';
    // The column the value came from (a field may have several candidates present).
    const from = columns[f]?.find((c) => values(rec, [c])[0] === v) ?? col(f);
    return skip(
      `unreadable date "${v.slice(0, 40)}" in column "${from}" (give its format with --date-format, e.g. --date-format "dd/MMM/yy h:mm a")`,
    );
  };
  const declared = time('declared');
  if (declared === null) return skip(`no date (column "${col('declared')}" is empty)`);
  if (declared === 'bad') return badTime('declared');
  const optional: Partial<Record<Field, Date | null>> = {};
  for (const f of ['started', 'acknowledged', 'resolved'] as const) {
    const t = time(f);
    if (t === 'bad') return badTime(f);
    optional[f] = t;
  }
  const after = (f: 'ack_after' | 'resolve_after'): Date | null => {
    const v = first(rec, columns[f]);
    const n = v === null ? Number.NaN : Number(v);
    return Number.isFinite(n) && n >= 0 ? new Date(declared.getTime() + n * preset.durationUnitMs) : null;
  };
  const acknowledgedAt = optional.acknowledged ?? after('ack_after');
  const resolvedAt = optional.resolved ?? after('resolve_after');
  if (resolvedAt && resolvedAt.getTime() < declared.getTime())
    return skip(`resolved (${resolvedAt.toISOString()}) before it was declared (${declared.toISOString()})`);

  let severity: Severity = DEFAULT_SEVERITY;
  let severityUnknown: string | null = null;
  // A value off the scale in one column (a custom priority) still lets another (urgency) decide.
  const sevRaw = (columns.severity ?? []).flatMap((c) => values(rec, [c]));
  const mapped = sevRaw.map((v) => preset.severity(v)).find((s) => s !== null);
  if (mapped) severity = mapped;
  else if (sevRaw[0]) severityUnknown = sevRaw[0];

  const rawKey = first(rec, columns.key);
  const key = rawKey ? cleanKey(preset.displayKey(rawKey)) : null;
  const externalId = rawKey
    ? opts.source === 'firebreak'
      ? rawKey
      : `${opts.source}:${rawKey}`
    : `${opts.source === 'firebreak' ? '' : `${opts.source}:`}sha1:${createHash('sha1')
        .update(`${title}\n${declared.toISOString()}`)
        .digest('hex')
        .slice(0, 16)}`;
  const url =
    cleanUrl(first(rec, columns.url)) ??
    (opts.urlTemplate && rawKey
      ? cleanUrl(opts.urlTemplate.replace('{key}', encodeURIComponent(rawKey)))
      : null);
  const text = (f: Field) => {
    const vs = values(rec, columns[f]);
    return vs.length ? Array.from(vs.join('\n')).slice(0, TEXT_MAX).join('') : null;
  };
  return {
    ok: true,
    line,
    row: {
      externalId,
      source: opts.source,
      key,
      url,
      title: Array.from(title).slice(0, TITLE_MAX).join(''),
      description: text('description') ?? '',
      services: list(values(rec, columns.services)),
      tags: list(values(rec, columns.tags)),
      date: declared,
      startedAt: optional.started ?? null,
      acknowledgedAt,
      resolvedAt,
      severity,
      severityUnknown,
      rootCause: text('root_cause'),
      category: first(rec, columns.category),
      resolution: text('resolution'),
    },
  };
}

/** Firebreak's own JSONL (the eval format). Kept for the eval and tests. */
export function parseJsonl(text: string): ParsedRow[] {
  const r = parseExport('x.jsonl', text, { source: 'firebreak' });
  return r.ok ? r.rows : [{ ok: false, reason: r.error, line: 1 }];
}

/** Firebreak's own CSV. */
export function parseCsv(text: string): ParsedRow[] {
  const r = parseExport('x.csv', text, { source: 'firebreak' });
  return r.ok ? r.rows : [{ ok: false, reason: r.error, line: 1 }];
}

/** Whether a row with this dedupe key is already in the database. */
export function alreadyImported(db: Db, externalId: string): boolean {
  return db.$client.prepare('select 1 from incidents where external_id = ?').get(externalId) !== undefined;
}

/**
 * Inserts one row as a resolved, imported incident; undefined when its key is already there.
 * Its number is the next one below zero: imported history never moves the next INC number.
 */
export function importIncident(db: Db, row: ImportRow): Incident | undefined {
  return db.transaction((tx) => {
    const min = tx
      .select({ n: sql<number>`coalesce(min(${incidents.number}), 0)` })
      .from(incidents)
      .where(sql`${incidents.number} < 0`)
      .get();
    const resolvedAt = row.resolvedAt ?? null;
    return tx
      .insert(incidents)
      .values({
        number: (min?.n ?? 0) - 1,
        title: row.title,
        description: row.description,
        severity: row.severity ?? DEFAULT_SEVERITY,
        status: 'resolved',
        services: row.services,
        tags: row.tags,
        declaredBy: 'import',
        startedAt: row.startedAt ?? row.date,
        declaredAt: row.date,
        acknowledgedAt: row.acknowledgedAt ?? null,
        resolvedAt,
        rootCauseSummary: row.rootCause,
        rootCauseCategory: row.category,
        resolutionSummary: row.resolution,
        imported: true,
        externalId: row.externalId,
        importSource: row.source ?? 'firebreak',
        externalKey: row.key ?? null,
        externalUrl: row.url ?? null,
        createdAt: row.date,
        updatedAt: resolvedAt ?? row.date,
      })
      .onConflictDoNothing({ target: incidents.externalId })
      .returning()
      .get();
  });
}

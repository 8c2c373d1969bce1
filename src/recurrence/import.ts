import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { incidents } from '../db/schema.js';
import { DEFAULT_SEVERITY, type Incident } from '../incidents/model.js';

/**
 * Past incidents from a file (the eval format of ../shared/eval/README.md, JSONL or CSV), so the
 * memory works from the first day. An imported incident has an INC number, no channel, status
 * resolved, `imported: true` and its source id in `externalId`: importing the same file twice
 * adds nothing.
 */

export interface ImportRow {
  /** Source id (JSONL `id`, CSV `id`); derived from title and date when absent. */
  externalId: string;
  title: string;
  description: string;
  services: string[];
  tags: string[];
  date: Date;
  rootCause: string | null;
  category: string | null;
  resolution: string | null;
}

export type ParsedRow =
  | { ok: true; row: ImportRow; line: number }
  | { ok: false; reason: string; line: number };

const TITLE_MAX = 150;
const TEXT_MAX = 4000;

function list(v: unknown): string[] {
  if (Array.isArray(v))
    return v
      .map(String)
      .map((s) => s.trim())
      .filter(Boolean);
  if (typeof v !== 'string' || v.trim() === '') return [];
  const t = v.trim();
  if (t.startsWith('[')) {
    try {
      return list(JSON.parse(t));
    } catch {
      // not JSON after all: fall through to separators
    }
  }
  return t
    .split(/[;|,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));
const opt = (v: unknown): string | null => {
  const s = str(v).trim();
  return s === '' ? null : s;
};

/** One record (a JSON object or a CSV row keyed by header) → a row, or why it is skipped. */
export function toImportRow(rec: Record<string, unknown>, line: number): ParsedRow {
  const title = str(rec.title).trim();
  if (title === '') return { ok: false, reason: 'no title', line };
  const dateText = str(rec.date).trim();
  if (dateText === '') return { ok: false, reason: 'no date', line };
  const date = new Date(dateText);
  if (Number.isNaN(date.getTime())) return { ok: false, reason: 'unreadable date', line };
  const given = opt(rec.id) ?? opt(rec.external_id);
  const externalId =
    given ??
    `sha1:${createHash('sha1').update(`${title}\n${date.toISOString()}`).digest('hex').slice(0, 16)}`;
  return {
    ok: true,
    line,
    row: {
      externalId,
      title: Array.from(title).slice(0, TITLE_MAX).join(''),
      description: Array.from(str(rec.description)).slice(0, TEXT_MAX).join(''),
      services: list(rec.services),
      tags: list(rec.tags),
      date,
      rootCause: opt(rec.root_cause),
      category: opt(rec.root_cause_category ?? rec.category),
      resolution: opt(rec.resolution),
    },
  };
}

export function* parseJsonl(text: string): Generator<ParsedRow> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = (lines[i] ?? '').trim();
    if (l === '') continue;
    let rec: unknown;
    try {
      rec = JSON.parse(l);
    } catch {
      yield { ok: false, reason: 'not valid JSON', line: i + 1 };
      continue;
    }
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
      yield { ok: false, reason: 'not a JSON object', line: i + 1 };
      continue;
    }
    yield toImportRow(rec as Record<string, unknown>, i + 1);
  }
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
export function* csvRecords(text: string): Generator<{ fields: string[]; line: number }> {
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      if (fields.length > 1 || fields[0] !== '') yield { fields, line: startLine };
      fields = [];
      field = '';
      line++;
      startLine = line;
    } else field += c;
  }
  fields.push(field);
  if (fields.length > 1 || fields[0] !== '') yield { fields, line: startLine };
}

export function* parseCsv(text: string): Generator<ParsedRow> {
  let header: string[] | null = null;
  for (const { fields, line } of csvRecords(text.replace(/^\uFEFF/, ''))) {
    if (!header) {
      header = fields.map((h) => h.trim().toLowerCase());
      if (!header.includes('title')) {
        yield { ok: false, reason: 'the header has no "title" column', line };
        return;
      }
      continue;
    }
    const rec: Record<string, unknown> = {};
    header.forEach((h, i) => {
      rec[h] = fields[i] ?? '';
    });
    yield toImportRow(rec, line);
  }
}

export function parseImportFile(name: string, text: string): Generator<ParsedRow> {
  return /\.csv$/i.test(name) ? parseCsv(text) : parseJsonl(text);
}

/** Inserts one row as a resolved, imported incident; undefined when its externalId is already there. */
export function importIncident(db: Db, row: ImportRow): Incident | undefined {
  return db.transaction((tx) => {
    const max = tx
      .select({ n: sql<number>`coalesce(max(${incidents.number}), 0)` })
      .from(incidents)
      .get();
    return tx
      .insert(incidents)
      .values({
        number: (max?.n ?? 0) + 1,
        title: row.title,
        description: row.description,
        severity: DEFAULT_SEVERITY,
        status: 'resolved',
        services: row.services,
        tags: row.tags,
        declaredBy: 'import',
        startedAt: row.date,
        declaredAt: row.date,
        resolvedAt: row.date,
        rootCauseSummary: row.rootCause,
        rootCauseCategory: row.category,
        resolutionSummary: row.resolution,
        imported: true,
        externalId: row.externalId,
        createdAt: row.date,
        updatedAt: row.date,
      })
      .onConflictDoNothing({ target: incidents.externalId })
      .returning()
      .get();
  });
}

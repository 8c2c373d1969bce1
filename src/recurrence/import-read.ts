import { parse as parseCsvText } from 'csv-parse/sync';

/**
 * Reading an export file into records, before any tool's meaning is applied. A record maps a
 * column name (lower-cased, trimmed) to its values: a list, because Jira's CSV export repeats a
 * column once per value ("Labels", "Labels", "Component/s" …) and a JSON array holds several.
 * JSON objects are flattened to dotted paths (`fields.priority.name`, `service.summary`), so a
 * preset or `--map` can name a nested field the same way it names a CSV column.
 */

export type Rec = Map<string, string[]>;

export interface RawRecord {
  /** How a person finds it in the file: the spreadsheet row (header = row 1) or the JSON record number. */
  row: number;
  rec: Rec;
}

export type ReadResult =
  | {
      ok: true;
      format: 'csv' | 'json' | 'jsonl';
      columns: string[];
      records: RawRecord[];
      errors: RowError[];
    }
  | { ok: false; error: string };

export interface RowError {
  row: number;
  reason: string;
}

const norm = (s: string): string => s.trim().toLowerCase();

function push(rec: Rec, key: string, value: string): void {
  const list = rec.get(key);
  if (list) list.push(value);
  else rec.set(key, [value]);
}

/** `{a: {b: [1, {c: 2}]}}` → a.b = ["1"], a.b.c = ["2"]. Nulls are left out (no value). */
export function flatten(value: unknown, rec: Rec = new Map(), prefix = ''): Rec {
  if (value === null || value === undefined) return rec;
  if (Array.isArray(value)) {
    for (const v of value) flatten(v, rec, prefix);
    return rec;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      flatten(v, rec, prefix ? `${prefix}.${norm(k)}` : norm(k));
    }
    return rec;
  }
  if (prefix) push(rec, prefix, String(value));
  return rec;
}

/**
 * CSV through csv-parse: quoted fields with commas, quotes and newlines (Jira descriptions),
 * a UTF-8 BOM (Excel and Jira's "Excel CSV" add one), CRLF, and rows shorter or longer than the
 * header. The header is read by hand so repeated column names keep every value.
 */
export function readCsv(text: string): ReadResult {
  let rows: string[][];
  try {
    rows = parseCsvText(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (e) {
    return { ok: false, error: `this is not readable CSV: ${(e as Error).message}` };
  }
  const [head, ...body] = rows;
  if (!head) return { ok: false, error: 'the file is empty' };
  const header = head.map(norm);
  const records: RawRecord[] = body.map((record, i) => {
    const rec: Rec = new Map();
    header.forEach((h, c) => {
      const v = record[c];
      if (h !== '' && v !== undefined && v.trim() !== '') push(rec, h, v);
    });
    return { row: i + 2, rec };
  });
  return { ok: true, format: 'csv', columns: unique(head.map((h) => h.trim())), records, errors: [] };
}

/** Where each tool's JSON export or API response keeps its list of records. */
const ARRAY_KEYS = ['incidents', 'issues', 'data', 'alerts', 'records', 'items'];

/**
 * JSON: an array of objects, an object holding one (`{incidents: [...]}` from PagerDuty and
 * incident.io, `{issues: [...]}` from Jira search, `{data: [...]}` from Opsgenie), a single
 * object, or JSON Lines (one object per line; a bad line is skipped with its line number).
 */
export function readJson(text: string, transform?: (o: Record<string, unknown>) => unknown): ReadResult {
  const t = text.replace(/^\uFEFF/, '').trim();
  if (t === '') return { ok: false, error: 'the file is empty' };
  let whole: unknown;
  let isWhole = false;
  try {
    whole = JSON.parse(t);
    isWhole = true;
  } catch {
    // not one JSON document: JSON Lines, or nothing readable
  }
  const records: RawRecord[] = [];
  const errors: RowError[] = [];
  const add = (o: unknown, row: number) => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      errors.push({ row, reason: 'not a JSON object' });
      return;
    }
    const obj = o as Record<string, unknown>;
    records.push({ row, rec: flatten(transform ? transform(obj) : obj) });
  };
  if (isWhole) {
    let list: unknown[] | undefined;
    if (Array.isArray(whole)) list = whole;
    else if (typeof whole === 'object' && whole !== null) {
      const o = whole as Record<string, unknown>;
      const key = ARRAY_KEYS.find((k) => Array.isArray(o[k]));
      list = key ? (o[key] as unknown[]) : [o];
    }
    if (!list) return { ok: false, error: 'the JSON holds no records (expected an array of objects)' };
    list.forEach((o, i) => {
      add(o, i + 1);
    });
    return { ok: true, format: 'json', columns: columnsOf(records), records, errors };
  }
  const lines = t.split('\n');
  let parsedAny = false;
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    try {
      add(JSON.parse(l), i + 1);
      parsedAny = true;
    } catch {
      errors.push({ row: i + 1, reason: 'not valid JSON' });
    }
  });
  if (!parsedAny) return { ok: false, error: 'this is neither JSON nor JSON Lines' };
  return { ok: true, format: 'jsonl', columns: columnsOf(records), records, errors };
}

function unique(xs: string[]): string[] {
  return [...new Set(xs.filter((x) => x !== ''))];
}

/** The union of the paths in the first records (enough to name what the file has). */
function columnsOf(records: RawRecord[]): string[] {
  const seen = new Set<string>();
  for (const r of records.slice(0, 50)) for (const k of r.rec.keys()) seen.add(k);
  return [...seen];
}

/** By extension, else by the first character (`[` / `{` means JSON). */
export function looksLikeJson(name: string, text: string): boolean {
  if (/\.(jsonl?|ndjson)$/i.test(name)) return true;
  if (/\.(csv|tsv|txt)$/i.test(name)) return false;
  return /^\s*[[{]/.test(text.replace(/^\uFEFF/, ''));
}

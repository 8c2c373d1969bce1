import { parseArgs } from 'node:util';
import { parse as parseWithFormat } from 'date-fns/parse';
import type { Db } from '../db/client.js';
import { incidentRef, severityLabel } from '../incidents/model.js';
import {
  alreadyImported,
  type ImportOptions,
  type ImportRow,
  importIncident,
  parseExport,
} from './import.js';
import { FIELDS, type Field, IMPORT_SOURCES, isField, isImportSource, PRESETS } from './import-presets.js';

/**
 * `npm run import` as a function of its arguments, so tests run exactly what people run.
 * Exit codes: 0 every row imported (or already there); 1 some rows skipped; 2 the command line is
 * wrong; 3 nothing could be read (unreadable file, a required column missing, or no usable row).
 */
export const EXIT = { ok: 0, skipped: 1, usage: 2, unreadable: 3 } as const;

export interface ImportIo {
  readFile: (path: string) => string;
  /** The database to write to; not called on --dry-run. */
  openDb: () => Db;
  /** On --dry-run: the database to check for rows already imported, when there is one. */
  peekDb?: () => Db | undefined;
  closeDb?: (db: Db) => void;
  out: (text: string) => void;
  err: (text: string) => void;
  progress?: (done: number, total: number) => void;
  /** The clock (two-digit years are read as the nearest to it). */
  now: Date;
}

export const USAGE = `usage: npm run import -- [--from ${IMPORT_SOURCES.join('|')}] <file.csv|file.json|file.jsonl>
  --from <tool>          whose export this is (default firebreak: the eval format)
  --map <field>=<column> read a field from another column (repeatable); fields: ${FIELDS.join(', ')}
  --date-format <fmt>    date-fns format of the file's times, e.g. "dd/MMM/yy h:mm a" (repeatable)
  --tz <zone>            zone of times written without an offset (default UTC)
  --url-template <url>   link for exports without one, e.g. https://acme.atlassian.net/browse/{key}
  --dry-run              print what would be imported and why rows are skipped; write nothing`;

const MAX_LISTED = 200;

const iso = (d: Date | null | undefined): string =>
  d ? d.toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z') : '—';

function describe(row: ImportRow): string {
  const ref = incidentRef({ number: -1, imported: true, externalKey: row.key ?? null });
  const parts = [
    row.key ? ref : '(no key)',
    severityLabel(row.severity ?? 3),
    `declared ${iso(row.date)}`,
    `acknowledged ${iso(row.acknowledgedAt)}`,
    `resolved ${iso(row.resolvedAt)}`,
  ];
  return `${parts.join(' · ')} · ${row.title}`;
}

export function runImport(argv: string[], io: ImportIo): number {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (args.help) {
    io.out(`${USAGE}\n`);
    return EXIT.ok;
  }
  const { path, dryRun } = args;
  const opts = { ...args.opts, now: io.now };
  let text: string;
  try {
    text = io.readFile(path);
  } catch (e) {
    io.err(`cannot read ${path}: ${(e as Error).message}\n`);
    return EXIT.unreadable;
  }
  const parsed = parseExport(path, text, opts);
  if (!parsed.ok) {
    io.err(`nothing imported from ${path}: ${parsed.error}\n`);
    return EXIT.unreadable;
  }
  const label = PRESETS[opts.source].label;
  const rows = parsed.rows;
  const good = rows.flatMap((r) => (r.ok ? [r] : []));
  const skipped = rows.flatMap((r) => (r.ok ? [] : [r]));
  const lines: string[] = [];
  let imported = 0;
  let already = 0;

  if (dryRun) {
    const peek = io.peekDb?.();
    try {
      for (const r of rows) {
        if (!r.ok) lines.push(`row ${r.line}: skipped — ${r.reason}`);
        else if (peek && alreadyImported(peek, r.row.externalId)) {
          already++;
          lines.push(`row ${r.line}: already imported — ${describe(r.row)}`);
        } else {
          imported++;
          lines.push(`row ${r.line}: would import ${describe(r.row)}`);
        }
      }
    } finally {
      if (peek) io.closeDb?.(peek);
    }
  } else {
    const db = io.openDb();
    try {
      good.forEach((r, i) => {
        if (importIncident(db, r.row)) imported++;
        else already++;
        io.progress?.(i + 1, good.length);
      });
    } finally {
      io.closeDb?.(db);
    }
    for (const r of skipped.slice(0, MAX_LISTED)) lines.push(`row ${r.line}: skipped — ${r.reason}`);
    if (skipped.length > MAX_LISTED) lines.push(`… and ${skipped.length - MAX_LISTED} more skipped rows`);
  }

  const counts = [
    already ? `${already} already imported` : '',
    skipped.length ? `${skipped.length} skipped` : '',
  ].filter(Boolean);
  const head = dryRun
    ? `dry run: would import ${imported} of ${rows.length} rows from ${label}${counts.length ? ` (${counts.join(', ')})` : ''}; nothing was written`
    : `imported ${imported} of ${rows.length} rows from ${label}${counts.length ? ` (${counts.join(', ')})` : ''}`;
  const unknown = good.filter((r) => r.row.severityUnknown);
  if (unknown.length) {
    const seen = [...new Set(unknown.map((r) => `"${r.row.severityUnknown}"`))].slice(0, 5).join(', ');
    lines.push(
      `note: ${unknown.length} row${unknown.length > 1 ? 's' : ''} had a severity not on the ${label} scale (${seen}) and ${unknown.length > 1 ? 'were' : 'was'} given SEV3; point --map severity=<column> at another column if the export has one`,
    );
  }
  io.out(`${[head, ...lines].join('\n')}\n`);
  if (good.length === 0) return EXIT.unreadable;
  return skipped.length ? EXIT.skipped : EXIT.ok;
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      map: { type: 'string', multiple: true },
      'date-format': { type: 'string', multiple: true },
      tz: { type: 'string' },
      'url-template': { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help)
    return { help: true as const, path: '', opts: { source: 'firebreak' as const }, dryRun: false };
  const source = values.from ?? 'firebreak';
  if (!isImportSource(source)) throw new Error(`--from ${source}: say one of ${IMPORT_SOURCES.join(', ')}`);
  if (positionals.length !== 1) throw new Error(positionals.length ? 'give one file' : 'which file?');
  const map: Partial<Record<Field, string>> = {};
  for (const m of values.map ?? []) {
    const eq = m.indexOf('=');
    const field = eq > 0 ? m.slice(0, eq).trim() : '';
    const column = eq > 0 ? m.slice(eq + 1).trim() : '';
    if (!isField(field) || column === '')
      throw new Error(`--map ${m}: write field=column, with field one of ${FIELDS.join(', ')}`);
    map[field] = column;
  }
  const dateFormats = values['date-format'] ?? [];
  for (const f of dateFormats) {
    try {
      parseWithFormat('', f, new Date(0));
    } catch (e) {
      throw new Error(`--date-format ${f}: ${(e as Error).message} (see date-fns format tokens)`);
    }
  }
  const timeZone = values.tz ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new Error(`--tz ${timeZone}: not a time zone (use an IANA name such as Europe/Berlin)`);
  }
  const urlTemplate = values['url-template'];
  if (urlTemplate !== undefined && !/^https?:\/\/.*\{key\}/.test(urlTemplate))
    throw new Error('--url-template must be an http(s) URL containing {key}');
  const opts: ImportOptions = { source, map, dateFormats, timeZone, urlTemplate };
  return { help: false as const, path: positionals[0] as string, opts, dryRun: values['dry-run'] === true };
}

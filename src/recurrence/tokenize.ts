/**
 * Text → terms for the recurrence index. Words are lower-cased, camelCase and snake_case are split
 * (the whole identifier is kept too, because an exact `ensureElementIsVisible` is stronger evidence
 * than its parts), English stopwords and pure numbers go, and a light suffix stemmer folds
 * "timeouts/timed/timing" together. Error signatures (HTTP status codes, exception names, host names)
 * become their own `sig:` terms, so the ranker can weigh them apart from prose.
 */

const STOPWORDS = new Set(
  `a about above after again against all am an and any are aren as at be because been before being below
between both but by can cannot could couldn did didn do does doesn doing don down during each few for from
further had hadn has hasn have haven having he her here hers herself him himself his how i if in into is isn
it its itself just let ll me more most mustn my myself no nor not now of off on once only or other ought our
ours ourselves out over own re same shan she should shouldn so some such than that the their theirs them
themselves then there these they this those through to too under until up ve very was wasn we were weren what
when where which while who whom why will with won would wouldn you your yours yourself yourselves also get
got use used using one two may might must shall us per via etc e g ie eg`.split(/\s+/),
);

const STATUS = /(?:^|[^\w.])([1-5]\d\d)(?![\w.])/g;
const EXCEPTION = /\b([A-Za-z][A-Za-z0-9]*(?:Exception|Error|Fault|Panic))\b/g;
const HOST = /\b((?:[a-z0-9-]+\.){1,}(?:com|net|org|io|internal|local|cloud|svc|dev)(?::\d+)?)\b/gi;
const EXCEPTION_HINT = /(?:Exception|Error|Fault|Panic)\b/;
const HOST_HINT = /\.(?:com|net|org|io|internal|local|cloud|svc|dev)\b/i;
const ERRNO = /\b(E[A-Z]{3,12}|SIG[A-Z]{3,6}|OOM(?:Killed)?)\b/g;

/** Suffix folding, deliberately tiny: good enough for incident prose, cheap enough for 100k docs. */
export function stem(w: string): string {
  if (w.length <= 4) return w;
  if (w.endsWith('ies') && w.length > 5) return `${w.slice(0, -3)}y`;
  if (w.endsWith('ing') && w.length > 6) return w.slice(0, -3);
  if (w.endsWith('ed') && w.length > 5) return w.slice(0, -2);
  if (w.endsWith('es') && /(?:ss|x|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

function pushWord(out: string[], raw: string): void {
  const w = raw.toLowerCase();
  if (w.length < 2 || w.length > 39 || STOPWORDS.has(w) || isDigits(w)) return;
  out.push(stem(w));
}

function isDigits(w: string): boolean {
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Splits camelCase and snake_case identifiers; the whole identifier is kept too. */
function pushIdentifier(out: string[], part: string): void {
  const pieces = part
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_]+/)
    .filter((p) => p.length > 0);
  if (pieces.length > 1 && part.length <= 39) pushWord(out, part.replace(/_/g, ''));
  for (const p of pieces) pushWord(out, p);
}

// Character classes of the scanner below, by char code.
const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isWordChar = (c: number) => isLetter(c) || (c >= 48 && c <= 57) || c === 95;
const DOT = 46;
const QUOTE = 39;

/**
 * Prose terms of a text, in order (duplicates kept: the caller counts them). A hand-written scanner
 * for the token shape `[A-Za-z][A-Za-z0-9_]*(?:[.'][A-Za-z0-9_]+)*` (what a regex matched before,
 * twice as fast: tokenizing is most of the start-up load). Dotted names (org.apache.Foo,
 * api.example.com) count by their parts.
 */
export function words(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isLetter(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let partStart = i;
    // Upper case or underscore: the part needs identifier splitting (most words are plain lower case).
    let split = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (isWordChar(c)) {
        if ((c >= 65 && c <= 90) || c === 95) split = true;
        i++;
        continue;
      }
      if ((c === DOT || c === QUOTE) && i + 1 < n && isWordChar(text.charCodeAt(i + 1))) {
        const part = text.slice(partStart, i);
        if (split) pushIdentifier(out, part);
        else pushWord(out, part);
        split = false;
        partStart = ++i;
        continue;
      }
      break;
    }
    const part = text.slice(partStart, i);
    if (split) pushIdentifier(out, part);
    else pushWord(out, part);
  }
  return out;
}

/** Error signatures: `sig:502`, `sig:nullpointerexception`, `sig:db-1.prod.internal`. */
export function signatures(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(STATUS)) {
    const code = m[1] ?? '';
    if (code >= '400' && code < '600') out.add(`sig:${code}`);
  }
  // The exception and host patterns try a match at every word; a cheap scan for what every match
  // must end with (a literal suffix, a dotted top-level name) skips them for most texts.
  if (EXCEPTION_HINT.test(text)) {
    for (const m of text.matchAll(EXCEPTION)) out.add(`sig:${(m[1] ?? '').toLowerCase()}`);
  }
  if (HOST_HINT.test(text)) {
    for (const m of text.matchAll(HOST)) out.add(`sig:${(m[1] ?? '').toLowerCase()}`);
  }
  for (const m of text.matchAll(ERRNO)) out.add(`sig:${(m[1] ?? '').toLowerCase()}`);
  return [...out];
}

/** Service and tag names are matched as whole values, case-insensitively. */
export const serviceTerm = (s: string): string => `svc:${s.trim().toLowerCase()}`;
export const tagTerm = (s: string): string => `tag:${s.trim().toLowerCase()}`;
export const categoryTerm = (s: string): string => `cat:${s.trim().toLowerCase()}`;

const VERSION = /(?<![\w.])[vV]?(\d{1,6}(?:\.\d{1,6}){1,4})(?![\w]|\.\d)/g;
const VERSION_HINT = /\d\.\d/;

/**
 * Dotted version numbers ("2.53.7", "v4.1.89"; IP addresses look the same and count the same way),
 * which the word scanner drops with every other token that starts with a digit: `ver:2.53.7`, and
 * for three parts or more also its release line `line:2.53`, so "broken in 2.53.7" meets "2.53.7
 * broke …" and "4.1.89" meets "4.1.86" more weakly. The line has its own prefix because it is
 * derived: an explanation names only `ver:` terms, which a person finds written in both incidents.
 */
export function versions(text: string): string[] {
  if (!VERSION_HINT.test(text)) return [];
  const out: string[] = [];
  for (const m of text.matchAll(VERSION)) {
    const v = m[1] ?? '';
    out.push(`ver:${v}`);
    const parts = v.split('.');
    if (parts.length >= 3) out.push(`line:${parts[0]}.${parts[1]}`);
  }
  return out;
}

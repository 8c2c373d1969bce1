import { LIMITS } from './limits.js';
/**
 * Incident channel names: `inc-<number>-<slug>`, at most 80 characters of `[a-z0-9-]`
 * (Slack allows `_` too; we keep to hyphens so names read the same everywhere).
 */
export const CHANNEL_NAME_MAX = LIMITS.channelName;

// Letters NFKD does not decompose into ASCII plus a combining mark.
const SPECIAL: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ł: 'l',
  ı: 'i',
};

/** Lowercase, accents folded, everything else dropped; runs of separators become one hyphen. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[ßæœøđðþłı]/g, (c) => SPECIAL[c] ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The channel name for an incident; `attempt` > 1 adds `-<attempt>` after Slack said `name_taken`.
 * The slug is cut at a word boundary when possible so the suffix and number always fit.
 */
export function incidentChannelName(number: number, title: string, attempt = 1): string {
  const prefix = `inc-${number}`;
  const suffix = attempt > 1 ? `-${attempt}` : '';
  const room = CHANNEL_NAME_MAX - prefix.length - suffix.length - 1;
  let slug = slugify(title);
  if (slug.length > room) {
    const cut = slug.slice(0, room);
    const lastHyphen = cut.lastIndexOf('-');
    slug = lastHyphen > room / 2 ? cut.slice(0, lastHyphen) : cut;
    slug = slug.replace(/-+$/, '');
  }
  return slug ? `${prefix}-${slug}${suffix}` : `${prefix}${suffix}`;
}

import { type IncidentRefFields, incidentRef } from '../incidents/model.js';
import { LIMITS } from './limits.js';

/**
 * Safe mrkdwn. User text goes through `escapeText` before it reaches any message, so nobody
 * can make the bot ping @channel, mention someone or forge a link; `truncate` keeps text inside
 * Block Kit's limits with a visible ellipsis.
 */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Plain text for plain_text objects: no escaping needed, but control characters go. */
export function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Escaped and cut: the usual path for user text into a mrkdwn field of at most `max` chars. */
export function safe(text: string, max: number = LIMITS.sectionText): string {
  // Cut before escaping would let "&amp;" push past the limit; cut after, and never mid-entity.
  const escaped = escapeText(plain(text));
  if (escaped.length <= max) return escaped;
  let cut = truncate(escaped, max);
  cut = cut.replace(/&[a-z]{0,4}…$/, '…');
  return cut;
}

export const mention = (userId: string): string =>
  /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeText(userId);
export const channelLink = (channelId: string): string =>
  /^[CG][A-Z0-9]+$/.test(channelId) ? `<#${channelId}>` : escapeText(channelId);

/** A link whose label is escaped; the URL must be http(s) and free of `|<>`. */
export function link(url: string, label: string): string {
  if (!/^https?:\/\/[^\s|<>]+$/.test(url)) return escapeText(label);
  return `<${url}|${escapeText(label).replace(/\|/g, '¦')}>`;
}

/**
 * An incident's name for mrkdwn: `INC-12`, or for imported history its key in the tool it came
 * from, linked to its page there when the export had one (warnings and digests show these).
 */
export function incidentRefLink(i: IncidentRefFields & { externalUrl?: string | null }): string {
  const ref = incidentRef(i);
  return (i.imported || i.number < 0) && i.externalUrl ? link(i.externalUrl, ref) : escapeText(ref);
}

/** `<!date^…>`: Slack renders the time in the viewer's own time zone. */
export function slackDate(at: Date, format = '{date_short_pretty} {time}', fallback?: string): string {
  const epoch = Math.floor(at.getTime() / 1000);
  return `<!date^${epoch}^${format}|${escapeText(fallback ?? at.toISOString().replace('T', ' ').slice(0, 16))} UTC>`;
}

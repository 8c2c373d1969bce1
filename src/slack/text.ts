/**
 * Text from Slack, decoded once where it enters the bot.
 *
 * Slack sends typed text encoded (https://api.slack.com/reference/surfaces/formatting#escaping):
 * `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;`, and its own markup in angle brackets: `<@U…>` /
 * `<@U…|name>` for people, `<#C…|name>` for channels, `<https://…>` / `<https://…|label>` for
 * links, `<!here>` and friends. Firebreak stores and reasons about what the person typed, so every
 * entry point (captured messages, edits, the message-shortcut prefill, slash commands, follow-ups
 * from reactions) decodes here, and every exit escapes again with format.ts (`safe`,
 * `escapeText`). Decoding twice or escaping twice is what turned `p99 > 2s on R&D` into
 * `p99 &amp;gt; 2s on R&amp;D`, and put `amp` and `gt` into channel names.
 *
 * A mention becomes `@name` (the label Slack sent, else the name `nameOf` knows, else the ID): the
 * stored text reads as the message did and can never turn back into a ping when it is shown again.
 * A link becomes its URL, or `label (URL)` when the label says something else, so a person still
 * sees a link (Slack links bare URLs in mrkdwn).
 */

export type NameOf = (userId: string) => string | undefined;

export function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const MARKUP = /<([^<>\n]*)>/g;

function decodeMarkup(inner: string, nameOf?: NameOf): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : decodeEntities(inner.slice(bar + 1));
  if (/^@[UW][A-Z0-9]+$/.test(target)) {
    const id = target.slice(1);
    return `@${label || nameOf?.(id) || id}`;
  }
  if (/^#[CG][A-Z0-9]+$/.test(target)) return `#${label || target.slice(1)}`;
  if (target.startsWith('!')) {
    const special = /^!(here|channel|everyone|group)$/.exec(target);
    if (special?.[1]) return `@${special[1] === 'group' ? 'channel' : special[1]}`;
    // <!subteam^S…|@oncall>, <!date^…|fallback>: the label is what a person reads.
    return label ?? '';
  }
  const url = decodeEntities(target);
  if (!label || label === url || label === url.replace(/^[a-z]+:(\/\/)?/i, '')) return label || url;
  if (url.startsWith('mailto:')) return label;
  return `${label} (${url})`;
}

/** Slack message text (or command text) as the person typed it. */
export function fromSlack(text: string, nameOf?: NameOf): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(MARKUP)) {
    const start = m.index ?? 0;
    out += decodeEntities(text.slice(at, start));
    out += decodeMarkup(m[1] ?? '', nameOf);
    at = start + m[0].length;
  }
  return out + decodeEntities(text.slice(at));
}

/**
 * Slash-command text decoded like a message, plus the people Slack identified in it: with
 * `should_escape` on, a person picked from the autocomplete arrives as `<@U…|bob>`; the text then
 * reads `@bob` and `mentions` maps `@bob` (lower case) to the ID, so the people parser
 * (mentions.ts) uses Slack's ID rather than guessing from the name.
 */
export function fromCommand(text: string): { text: string; mentions: Map<string, string> } {
  const mentions = new Map<string, string>();
  for (const m of text.matchAll(/<@([UW][A-Z0-9]+)(?:\|([^<>|]*))?>/g)) {
    const id = m[1] ?? '';
    mentions.set(`@${(m[2] ? decodeEntities(m[2]) : id).toLowerCase()}`, id);
  }
  return { text: fromSlack(text), mentions };
}

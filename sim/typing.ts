import type { AnyBlock } from './types.js';
import type { Workspace } from './workspace.js';

/**
 * What Slack makes of what a person types, before the app sees it.
 *
 * Messages (https://api.slack.com/reference/surfaces/formatting#escaping and the older
 * https://api.slack.com/docs/message-formatting, "How to escape characters" / "Linking to channels
 * and users" / "Linking to URLs"): in `text`, `&`, `<` and `>` arrive as `&amp;`, `&lt;`, `&gt;`;
 * a person picked from the composer's list arrives as `<@U…>`, a channel as `<#C…|name>`, a URL
 * Slack detected as `<https://…>`, a link with a label as `<https://…|label>`, `@here` as
 * `<!here>`. The message's `rich_text` block keeps the characters as typed, each mention as its own
 * element (https://api.slack.com/reference/block-kit/blocks#rich_text: `text`, `link`, `user`,
 * `channel`, `broadcast` elements).
 *
 * Slash commands (https://api.slack.com/interactivity/slash-commands, "Escape channels, users,
 * and links sent to your app", the manifest's `should_escape`): on, `@bob` arrives as
 * `<@U…|bob>`, `#general` as `<#C…|general>` and URLs as `<https://…>`; off, they arrive as
 * typed. `&`, `<`, `>` are entity-encoded either way ("All text in Slack uses the same system of
 * escaping", message-formatting page above).
 *
 * How a test types a labelled link: `[label](https://…)`, like the composer's link button.
 */

type Piece =
  | { kind: 'text'; text: string }
  | { kind: 'link'; url: string; label?: string }
  | { kind: 'user'; id: string; name: string }
  | { kind: 'channel'; id: string; name: string }
  | { kind: 'broadcast'; range: 'here' | 'channel' | 'everyone' };

const entities = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `[label](url)`, a bare URL, `@name`, `#channel` — everything else is text. */
const TOKEN =
  /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>]+[^\s<>.,;:!?)'"])|(^|[\s(])@([a-z0-9][\w.-]*)|(^|[\s(])#([a-z0-9][\w-]*)/gi;

export function parseTyped(ws: Workspace, typed: string): Piece[] {
  const out: Piece[] = [];
  const text = (t: string) => {
    if (!t) return;
    const last = out.at(-1);
    if (last?.kind === 'text') last.text += t;
    else out.push({ kind: 'text', text: t });
  };
  let at = 0;
  for (const m of typed.matchAll(TOKEN)) {
    const start = m.index ?? 0;
    text(typed.slice(at, start));
    at = start + m[0].length;
    if (m[1] !== undefined && m[2] !== undefined) {
      out.push({ kind: 'link', url: m[2], label: m[1] });
    } else if (m[3] !== undefined) {
      out.push({ kind: 'link', url: m[3] });
    } else if (m[5] !== undefined) {
      text(m[4] ?? '');
      const name = m[5];
      const lower = name.toLowerCase();
      if (lower === 'here' || lower === 'channel' || lower === 'everyone') {
        out.push({ kind: 'broadcast', range: lower });
        continue;
      }
      const user = [...ws.users.values()].find((u) => u.name.toLowerCase() === lower);
      if (user) out.push({ kind: 'user', id: user.id, name: user.name });
      else text(`@${name}`);
    } else if (m[7] !== undefined) {
      text(m[6] ?? '');
      const name = m[7];
      const ch = [...ws.channels.values()].find((c) => !c.is_im && c.name === name.toLowerCase());
      if (ch) out.push({ kind: 'channel', id: ch.id, name: ch.name });
      else text(`#${name}`);
    }
  }
  text(typed.slice(at));
  return out;
}

/** A message's `text` and its `rich_text` block, as Slack stores and sends them. */
export function encodeMessage(ws: Workspace, typed: string): { text: string; blocks: AnyBlock[] } {
  const pieces = parseTyped(ws, typed);
  const text = pieces
    .map((p) => {
      switch (p.kind) {
        case 'text':
          return entities(p.text);
        case 'link':
          return p.label ? `<${entities(p.url)}|${entities(p.label)}>` : `<${entities(p.url)}>`;
        case 'user':
          return `<@${p.id}>`;
        case 'channel':
          return `<#${p.id}|${p.name}>`;
        case 'broadcast':
          return `<!${p.range}>`;
      }
      return '';
    })
    .join('');
  const elements = pieces.map((p) => {
    switch (p.kind) {
      case 'text':
        return { type: 'text', text: p.text };
      case 'link':
        return { type: 'link', url: p.url, ...(p.label ? { text: p.label } : {}) };
      case 'user':
        return { type: 'user', user_id: p.id };
      case 'channel':
        return { type: 'channel', channel_id: p.id };
      case 'broadcast':
        return { type: 'broadcast', range: p.range };
    }
    return { type: 'text', text: '' };
  });
  const blocks: AnyBlock[] =
    typed === ''
      ? []
      : [{ type: 'rich_text', block_id: 'typed', elements: [{ type: 'rich_text_section', elements }] }];
  return { text, blocks };
}

/** The `text` field of a slash command, per the command's `should_escape`. */
export function encodeCommandText(ws: Workspace, typed: string, shouldEscape: boolean): string {
  if (!shouldEscape) return entities(typed);
  return parseTyped(ws, typed)
    .map((p) => {
      switch (p.kind) {
        case 'text':
          return entities(p.text);
        case 'link':
          // A command has no link button: a typed `[x](url)` stays text around an escaped URL.
          return p.label ? `${entities(`[${p.label}](`)}<${entities(p.url)}>)` : `<${entities(p.url)}>`;
        case 'user':
          return `<@${p.id}|${p.name}>`;
        case 'channel':
          return `<#${p.id}|${p.name}>`;
        case 'broadcast':
          return `<!${p.range}>`;
      }
      return '';
    })
    .join('');
}

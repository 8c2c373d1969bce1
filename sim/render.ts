import type { AnyBlock, SimMessage } from './types.js';
import type { Workspace } from './workspace.js';

/**
 * What a person would read: mrkdwn entities resolved (mentions, channel links, dates, links),
 * blocks flattened to lines, buttons as [Label]. Used by the demo and in test failure output.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function resolveMrkdwn(ws: Workspace, text: string): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, (_m, id: string) => `@${ws.users.get(id)?.name ?? id}`)
    .replace(/<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => {
      const name = ws.channels.get(id)?.name ?? label ?? id;
      return `#${name}`;
    })
    .replace(/<!date\^(\d+)\^[^|>]*(?:\^[^|>]*)?\|([^>]*)>/g, (_m, _ts: string, fallback: string) => fallback)
    .replace(/<!(here|channel|everyone)>/g, '@$1')
    .replace(/<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>/g, (_m, label?: string) => label ?? '@group')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Mentions and links resolved for a person's eyes, or kept raw (tests assert on the mrkdwn). */
let resolving = false;

function textOf(ws: Workspace, t: unknown): string {
  if (!isObj(t) || typeof t.text !== 'string') return '';
  return t.type === 'mrkdwn' && resolving ? resolveMrkdwn(ws, t.text) : t.text;
}

function elementLabel(ws: Workspace, el: unknown): string {
  if (!isObj(el)) return '';
  switch (el.type) {
    case 'button':
      return `[${textOf(ws, el.text)}]`;
    case 'overflow':
      return '[…]';
    case 'image':
      return `(image: ${String(el.alt_text ?? '')})`;
    default: {
      if (typeof el.type === 'string' && el.type.includes('select')) {
        const chosen = isObj(el.initial_option) ? textOf(ws, el.initial_option.text) : '';
        return `[${chosen || textOf(ws, el.placeholder) || 'choose'} ▾]`;
      }
      return el.type === 'plain_text' || el.type === 'mrkdwn' ? textOf(ws, el) : `[${String(el.type)}]`;
    }
  }
}

/**
 * The text of blocks, one line per block, buttons as [Label]. mrkdwn stays raw (`<@U0BOB>`,
 * `<#C…>`, `&lt;`) unless `resolve` is set, so tests can assert on exactly what the bot sent.
 */
export function renderBlocks(
  ws: Workspace,
  blocks: readonly AnyBlock[] | undefined,
  fallback = '',
  resolve = false,
): string {
  const before = resolving;
  resolving = resolve;
  try {
    return renderBlocksInner(ws, blocks, fallback);
  } finally {
    resolving = before;
  }
}

function renderBlocksInner(ws: Workspace, blocks: readonly AnyBlock[] | undefined, fallback: string): string {
  if (!blocks || blocks.length === 0) return resolving ? resolveMrkdwn(ws, fallback) : fallback;
  const lines: string[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case 'header':
        lines.push(`== ${textOf(ws, b.text)} ==`);
        break;
      case 'section': {
        const parts: string[] = [];
        if (b.text) parts.push(textOf(ws, b.text));
        if (Array.isArray(b.fields))
          parts.push(b.fields.map((f) => textOf(ws, f).replace(/\n/g, ' ')).join('\n'));
        if (b.accessory) parts.push(elementLabel(ws, b.accessory));
        lines.push(parts.filter((p) => p !== '').join('\n'));
        break;
      }
      case 'context':
        lines.push(
          Array.isArray(b.elements) ? `  ${b.elements.map((e) => elementLabel(ws, e)).join('  ·  ')}` : '',
        );
        break;
      case 'actions':
        lines.push(Array.isArray(b.elements) ? b.elements.map((e) => elementLabel(ws, e)).join(' ') : '');
        break;
      case 'divider':
        lines.push('----------');
        break;
      case 'input': {
        const el = isObj(b.element) ? b.element : {};
        lines.push(
          `${textOf(ws, b.label)}${b.optional === true ? ' (optional)' : ''}: ${elementLabel(ws, el)}`,
        );
        break;
      }
      case 'markdown':
        lines.push(resolving ? resolveMrkdwn(ws, String(b.text ?? '')) : String(b.text ?? ''));
        break;
      case 'image':
        lines.push(`(image: ${String(b.alt_text ?? '')})`);
        break;
      case 'rich_text':
        lines.push(richText(b.elements));
        break;
      default:
        lines.push(`(${b.type})`);
    }
  }
  return lines.filter((l) => l !== '').join('\n');
}

function richText(v: unknown): string {
  if (Array.isArray(v)) return v.map(richText).join('');
  if (!isObj(v)) return '';
  if (typeof v.text === 'string') return v.text;
  if (v.type === 'user') return `@${String(v.user_id)}`;
  if (v.type === 'link') return String(v.text ?? v.url ?? '');
  return richText(v.elements);
}

function hhmm(ts: string): string {
  return new Date(Number(ts.split('.')[0]) * 1000).toISOString().slice(11, 16);
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

function renderMessage(ws: Workspace, m: SimMessage, pad: string): string {
  const who = m.bot_id ? `${m.username ?? 'Firebreak'} (app)` : (ws.users.get(m.user)?.name ?? m.user);
  const body = renderBlocks(ws, m.blocks, m.text, true);
  const files = (m.files ?? []).map((f) => `📎 ${f.title || f.name} (${f.size} bytes)`);
  const reactions = m.reactions.map((r) => `:${r.name}: ${r.users.length}`).join(' ');
  const lines = [`${pad}[${hhmm(m.ts)}] ${who}${m.edited ? ' (edited)' : ''}:`];
  if (body) lines.push(indent(body, `${pad}    `));
  for (const f of files) lines.push(`${pad}    ${f}`);
  if (reactions) lines.push(`${pad}    ${reactions}`);
  return lines.join('\n');
}

export function renderChannel(ws: Workspace, channelId: string): string {
  const ch = ws.channels.get(channelId);
  if (!ch) return `(no channel ${channelId})`;
  const title = ch.is_im ? `DM with ${ws.users.get(ch.dmUser ?? '')?.name ?? ch.dmUser}` : `#${ch.name}`;
  const out: string[] = [
    `┌─ ${title}${ch.is_private && !ch.is_im ? ' (private)' : ''}${ch.is_archived ? ' (archived)' : ''}`,
  ];
  if (ch.topic.value) out.push(`│ topic: ${resolveMrkdwn(ws, ch.topic.value)}`);
  if (ch.bookmarks.length) out.push(`│ bookmarks: ${ch.bookmarks.map((b) => b.title).join(', ')}`);
  if (ch.pins.length) out.push(`│ pinned: ${ch.pins.length} message(s)`);
  const all = ws.messages.get(channelId) ?? [];
  for (const m of all) {
    if (m.deleted) continue;
    if (m.thread_ts !== undefined && m.thread_ts !== m.ts) continue;
    out.push(indent(renderMessage(ws, m, ''), '│ '));
    const replies = all.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts && !r.deleted);
    for (const r of replies) out.push(indent(renderMessage(ws, r, '    ↳ '), '│ '));
  }
  out.push('└─');
  return out.join('\n');
}

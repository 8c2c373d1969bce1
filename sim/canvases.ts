import type { SimChannel } from './types.js';

/**
 * Slack canvases, as Slack's documentation describes them: the channel canvas
 * (conversations.canvases.create), standalone canvases (canvases.create), their edits
 * (canvases.edit), who may open them (canvases.access.set) and their deletion (canvases.delete).
 * Content is kept as the Markdown the app sent, so tests read what people would see.
 *
 * Pages (each rule below names the one it comes from):
 * - https://docs.slack.dev/reference/methods/conversations.canvases.create
 * - https://docs.slack.dev/reference/methods/canvases.create
 * - https://docs.slack.dev/reference/methods/canvases.edit
 * - https://docs.slack.dev/reference/methods/canvases.access.set
 * - https://docs.slack.dev/reference/methods/canvases.delete
 * - https://docs.slack.dev/surfaces/canvases (formatting: the Markdown elements a canvas supports)
 * Every method needs `canvases:write` (each page's "Scopes": bot token `canvases:write`); the
 * scope check is web-api.ts's SCOPES table.
 */

type Args = Record<string, unknown>;

export type CanvasAccess = 'read' | 'write' | 'owner';

export interface SimCanvas {
  id: string;
  title: string;
  /** The whole document as Markdown, as the last create/edit left it. */
  markdown: string;
  /** Set for a channel canvas (one per channel); a standalone canvas has none. */
  channelCanvasOf?: string;
  /** Who may open it, besides its creator: channel ids and user ids with their level. */
  channels: Map<string, CanvasAccess>;
  users: Map<string, CanvasAccess>;
  creator: string;
  created: number;
  /** Every accepted change, oldest first (`create`, then each edit's operation). */
  history: { operation: string; markdown: string }[];
  deleted: boolean;
}

/** What the canvas methods need from the rest of the simulator. */
export interface CanvasHost {
  fail(error: string, extra?: Record<string, unknown>): never;
  /** A conversation the bot can see (private ones only as a member), else `channel_not_found`. */
  visibleChannel(id: unknown): SimChannel;
  nextId(prefix: string): string;
  nowSeconds(): number;
  botUser: string;
  prefs: CanvasPrefs;
}

export interface CanvasPrefs {
  /**
   * The workspace is on Slack's free plan. canvases.create: "channel_id … is a required field for
   * free teams" (free_teams_cannot_create_non_tabbed_canvases); canvases.edit:
   * free_teams_cannot_edit_standalone_canvases; canvases.access.set: "Canvases are only available
   * to Slack workspaces on a paid plan". Default false.
   */
  freePlan: boolean;
  /** An admin turned canvases off: every method answers `canvas_disabled_user_team`. Default false. */
  canvasesDisabled: boolean;
}

/**
 * "The markdown content is limited to 1 MiB (1,048,576 characters)" (conversations.canvases.create,
 * document_content). The page names no error for it; the method's own failure is answered.
 */
export const CANVAS_MARKDOWN_LIMIT = 1_048_576;

const asString = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

/** A JSON array field (web-api sends arrays as JSON strings in a form), or a comma list. */
function idList(v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (Array.isArray(v)) return v.map(String);
  const s = String(v);
  if (s.trim().startsWith('[')) {
    try {
      const parsed = JSON.parse(s) as unknown;
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      return [s];
    }
  }
  return s.split(',').map((x) => x.trim());
}

/**
 * Why a canvas would not show this Markdown as written, or undefined when it would.
 * https://docs.slack.dev/surfaces/canvases lists what document_content supports: bold, italic,
 * strikethrough, bulleted / ordered lists, checklists, code blocks and spans, dividers, emoji,
 * "headings h1-h3", links, Markdown tables, quotes, unfurls, and "@ mentions for users and
 * channels" written `![](@U…)` / `![](#C…)`; "Block Kit is not supported in canvases". The page does
 * not say what Slack does with anything else, so the simulator refuses it (with the method's own
 * failure error): a test must not pass on content people would see as raw markup: an h4+ heading,
 * HTML (`<br>`, `<b>`), or a message-style mention `<@U…>` / `<#C…>` / `<!here>`.
 */
export function unsupportedMarkdown(markdown: string): string | undefined {
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      inCode = !inCode;
      continue;
    }
    if (inCode) continue;
    const prose = line.replace(/`[^`]*`/g, '');
    if (/^\s{0,3}#{4,}\s/.test(prose)) return `heading deeper than h3: ${line.slice(0, 60)}`;
    if (/<\/?[a-z][a-z0-9]*(\s[^>]*)?\/?>/i.test(prose)) return `HTML is not supported: ${line.slice(0, 60)}`;
    if (/<[@#!][A-Za-z0-9^|]+[^>]*>/.test(prose)) return `message-style mention: ${line.slice(0, 60)}`;
  }
  return undefined;
}

export class CanvasStore {
  readonly canvases = new Map<string, SimCanvas>();

  constructor(private readonly host: CanvasHost) {}

  /** The channel canvas of a channel, if one was made. */
  channelCanvas(channelId: string): SimCanvas | undefined {
    for (const c of this.canvases.values()) if (!c.deleted && c.channelCanvasOf === channelId) return c;
    return undefined;
  }

  /** Canvases shared with a channel (its channel canvas and standalone ones tabbed or shared there). */
  inChannel(channelId: string): SimCanvas[] {
    return [...this.canvases.values()].filter((c) => !c.deleted && c.channels.has(channelId));
  }

  /** Who can open a canvas: its creator, users granted access, and the members of channels granted it. */
  canOpen(canvas: SimCanvas, user: string, members: (channel: string) => string[]): boolean {
    if (canvas.deleted) return false;
    if (canvas.creator === user || canvas.users.has(user)) return true;
    for (const ch of canvas.channels.keys()) if (members(ch).includes(user)) return true;
    return false;
  }

  private checkEnabled(): void {
    // Each canvas page's errors table: canvas_disabled_user_team, "Canvas is disabled on user's team".
    if (this.host.prefs.canvasesDisabled) this.host.fail('canvas_disabled_user_team');
  }

  /**
   * document_content: "Structure describing the type and value of the content to create", e.g.
   * {"type": "markdown", "markdown": "> channel canvas!"}; markdown is "Currently, the only
   * supported type" (https://docs.slack.dev/surfaces/canvases). Absent is allowed (an empty canvas).
   */
  private content(v: unknown, failure: string): string | undefined {
    if (v === undefined || v === '') return undefined;
    const obj = typeof v === 'string' ? safeJson(v) : v;
    if (typeof obj !== 'object' || obj === null) return this.host.fail('invalid_arguments');
    const { type, markdown } = obj as { type?: unknown; markdown?: unknown };
    if (type !== 'markdown' || typeof markdown !== 'string') return this.host.fail('invalid_arguments');
    if (markdown.length > CANVAS_MARKDOWN_LIMIT) return this.host.fail(failure);
    const why = unsupportedMarkdown(markdown);
    if (why) return this.host.fail(failure, { detail: why });
    return markdown;
  }

  /** A person makes the channel canvas in Slack's client (people's own notes, not the bot's). */
  channelCanvasAsUser(user: string, channelId: string, title: string, markdown: string): SimCanvas {
    const c = this.make(title, markdown, { channelCanvasOf: channelId, creator: user });
    c.channels.set(channelId, 'write');
    return c;
  }

  private make(title: string, markdown: string, extra: Partial<SimCanvas>): SimCanvas {
    const c: SimCanvas = {
      // Canvases are files: their ids start with F (canvases.edit example "F1234ABCD").
      id: this.host.nextId('F'),
      title,
      markdown,
      channels: new Map(),
      users: new Map(),
      creator: this.host.botUser,
      created: this.host.nowSeconds(),
      history: [{ operation: 'create', markdown }],
      deleted: false,
      ...extra,
    };
    this.canvases.set(c.id, c);
    return c;
  }

  /** https://docs.slack.dev/reference/methods/conversations.canvases.create */
  conversationsCanvasesCreate(a: Args): Record<string, unknown> {
    this.checkEnabled();
    // channel_id is the one required argument.
    if (!asString(a.channel_id)) this.host.fail('invalid_arguments');
    // A channel the bot cannot see (private without it, or unknown) is channel_not_found, as on
    // every conversations.* page (e.g. https://docs.slack.dev/reference/methods/conversations.info).
    const ch = this.host.visibleChannel(a.channel_id);
    // errors table: channel_canvas_already_exists, "Channel canvas for the specified channel already exists."
    if (this.channelCanvas(ch.id)) this.host.fail('channel_canvas_already_exists');
    // errors table: channel_canvas_creation_failed, "Channel canvas was unable to be created."
    const markdown = this.content(a.document_content, 'channel_canvas_creation_failed') ?? '';
    const c = this.make(asString(a.title) ?? '', markdown, { channelCanvasOf: ch.id });
    // A channel canvas belongs to its channel: its members open it from the channel's header.
    c.channels.set(ch.id, 'write');
    return { canvas_id: c.id };
  }

  /** https://docs.slack.dev/reference/methods/canvases.create */
  canvasesCreate(a: Args): Record<string, unknown> {
    this.checkEnabled();
    const channelId = asString(a.channel_id);
    // channel_id: "This is a required field for free teams."; errors table:
    // free_teams_cannot_create_non_tabbed_canvases.
    if (!channelId && this.host.prefs.freePlan)
      this.host.fail('free_teams_cannot_create_non_tabbed_canvases');
    const ch = channelId ? this.host.visibleChannel(channelId) : undefined;
    // errors table: canvas_creation_failed, "Canvas was unable to be created."
    const markdown = this.content(a.document_content, 'canvas_creation_failed') ?? '';
    const c = this.make(asString(a.title) ?? '', markdown, {});
    // "A canvas can be automatically added to a channel tab with write permissions by setting the
    // channel_id parameter." Otherwise only its creator can open it until canvases.access.set.
    if (ch) c.channels.set(ch.id, 'write');
    return { canvas_id: c.id };
  }

  private find(idArg: unknown): SimCanvas {
    const c = this.canvases.get(asString(idArg) ?? '');
    // errors table: canvas_not_found, "The canvas you wish to apply changes to is not available."
    // The bot reaches only what it created or was given write access to.
    if (!c || c.deleted) return this.host.fail('canvas_not_found');
    if (c.creator !== this.host.botUser && c.users.get(this.host.botUser) !== 'write')
      return this.host.fail('canvas_not_found');
    return c;
  }

  /** https://docs.slack.dev/reference/methods/canvases.edit */
  canvasesEdit(a: Args): Record<string, unknown> {
    this.checkEnabled();
    const c = this.find(a.canvas_id);
    // errors table: free_teams_cannot_edit_standalone_canvases.
    if (this.host.prefs.freePlan && !c.channelCanvasOf && c.channels.size === 0)
      this.host.fail('free_teams_cannot_edit_standalone_canvases');
    const changes = typeof a.changes === 'string' ? safeJson(a.changes) : a.changes;
    // "Only one operation per API call is currently supported."
    if (!Array.isArray(changes) || changes.length !== 1) return this.host.fail('invalid_arguments');
    const change = changes[0] as {
      operation?: unknown;
      section_id?: unknown;
      document_content?: unknown;
      title_content?: unknown;
    };
    const op = asString(change.operation);
    // Operations: insert_after, insert_before, insert_at_start, insert_at_end, replace, delete,
    // rename (with title_content). Section ids come from canvases.sections.lookup, which the
    // simulator does not offer: an operation aimed at a section cannot find it.
    if (op === 'rename') {
      const t = change.title_content as { type?: unknown; markdown?: unknown } | undefined;
      if (t?.type !== 'markdown' || typeof t.markdown !== 'string')
        return this.host.fail('invalid_arguments');
      c.title = t.markdown;
      c.history.push({ operation: 'rename', markdown: c.markdown });
      return {};
    }
    if (
      !['insert_after', 'insert_before', 'insert_at_start', 'insert_at_end', 'replace', 'delete'].includes(
        op ?? '',
      )
    )
      return this.host.fail('invalid_arguments');
    if (change.section_id !== undefined || op === 'insert_after' || op === 'insert_before' || op === 'delete')
      // errors table: canvas_editing_failed, "The changes to the canvas failed to be applied."
      return this.host.fail('canvas_editing_failed', { detail: 'no such section' });
    const markdown = this.content(change.document_content, 'canvas_editing_failed');
    if (markdown === undefined) return this.host.fail('invalid_arguments');
    // replace without section_id: the whole canvas.
    if (op === 'replace') c.markdown = markdown;
    else if (op === 'insert_at_start') c.markdown = `${markdown}\n${c.markdown}`;
    else c.markdown = `${c.markdown}\n${markdown}`;
    c.history.push({ operation: op ?? '', markdown: c.markdown });
    return {};
  }

  /** https://docs.slack.dev/reference/methods/canvases.access.set */
  canvasesAccessSet(a: Args): Record<string, unknown> {
    this.checkEnabled();
    // "Canvases are only available to Slack workspaces on a paid plan."
    if (this.host.prefs.freePlan) this.host.fail('restricted_action');
    const c = this.find(a.canvas_id);
    const level = asString(a.access_level);
    // access_level: "Acceptable values: read write owner".
    if (level !== 'read' && level !== 'write' && level !== 'owner')
      return this.host.fail('invalid_arguments');
    const channels = idList(a.channel_ids);
    const users = idList(a.user_ids);
    // errors table: invalid_parameters, "One of user_ids or channel_ids must be defined, but not both."
    if ((channels === undefined) === (users === undefined)) return this.host.fail('invalid_parameters');
    const list = (channels ?? users ?? []) as string[];
    // channel_ids / user_ids: "Minimum: 1 Maximum: 20".
    if (list.length < 1 || list.length > 20) return this.host.fail('invalid_arguments');
    if (channels) {
      // "owner" is for people; a channel is read or write.
      if (level === 'owner') return this.host.fail('invalid_arguments');
      // errors table: channel_not_found, "A channel could not be found."
      for (const id of channels) this.host.visibleChannel(id);
      for (const id of channels) c.channels.set(id, level);
    } else {
      for (const id of users ?? []) c.users.set(id, level);
    }
    return {};
  }

  /** https://docs.slack.dev/reference/methods/canvases.delete */
  canvasesDelete(a: Args): Record<string, unknown> {
    this.checkEnabled();
    const c = this.find(a.canvas_id);
    c.deleted = true;
    return {};
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

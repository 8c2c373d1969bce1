import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { DomainError } from '../../incidents/errors.js';
import { type Incident, incidentRef } from '../../incidents/model.js';
import { getIncidentById, resolveTargetIncident } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { canView } from '../../slack/access.js';
import type { Subcommand } from '../../slack/command/router.js';
import type { Listeners } from '../../slack/dispatch.js';
import { describeError, slackErrorCode } from '../../slack/effects.js';
import { channelLink, link as mrkdwnLink } from '../../slack/format.js';
import { ACTION } from '../../slack/ids.js';
import { afterCommit, tellPrivately } from '../../slack/kit.js';
import { getPerson } from '../../slack/users.js';
import { postmortemPeople } from '../../timeline/export.js';
import { uploadPostmortemFile } from '../../timeline/slack/export.js';
import {
  type CanvasKind,
  canvasUrl,
  forgetPostmortemCanvas,
  getPostmortemCanvas,
  postmortemCanvasDoc,
  recordPostmortemCanvas,
  touchPostmortemCanvas,
} from '../postmortem.js';
import { canvasRefusedMessage } from './views/postmortem.js';

/**
 * `/incident postmortem` and the Postmortem button on the resolution message: the postmortem draft
 * as a canvas in the incident's channel. The channel's own canvas (conversations.canvases.create)
 * when it has none, else a canvas tabbed in the channel (canvases.create with channel_id); either
 * way only the channel's members can open it, so a private incident's canvas stays in its private
 * channel. A second run replaces the content of the same canvas (canvases.edit). Any refusal is
 * told to the person who asked, with the Markdown export as the way to get the draft anyway.
 */

export interface PostmortemCanvasResult {
  canvasId: string;
  url: string;
  created: boolean;
  kind: CanvasKind;
}

/** A refusal from Slack, with what the person can do about it. */
export class CanvasRefused extends Error {
  constructor(
    readonly code: string,
    readonly advice: string,
  ) {
    super(`${code}: ${advice}`);
  }
}

/** What each error the canvas pages list means for the person who asked. */
export function canvasAdvice(code: string): string {
  switch (code) {
    case 'missing_scope':
      return 'Firebreak is not allowed to write canvases in this workspace: an admin needs to reinstall it with the `canvases:write` scope';
    case 'canvas_disabled_user_team':
      return 'canvases are turned off in this workspace';
    case 'team_tier_cannot_create_channel_canvases':
    case 'free_teams_cannot_create_non_tabbed_canvases':
    case 'free_teams_cannot_edit_standalone_canvases':
    case 'free_team_canvas_tab_already_exists':
      return "this workspace's Slack plan does not allow it";
    case 'restricted_action':
      return 'a workspace setting does not let Firebreak create canvases';
    case 'channel_not_found':
    case 'not_in_channel':
      return 'Firebreak is not in the incident channel any more (invite it back with `/invite`)';
    case 'is_archived':
      return 'the incident channel is archived';
    case 'canvas_creation_failed':
    case 'channel_canvas_creation_failed':
    case 'canvas_editing_failed':
    case 'canvas_tab_creation_failed':
      return 'Slack could not write the canvas';
    default:
      return 'Slack did not accept the canvas';
  }
}

function refused(e: unknown): CanvasRefused {
  const code = slackErrorCode(e) ?? describeError(e);
  return new CanvasRefused(code, canvasAdvice(code));
}

async function workspaceLink(client: WebClient, canvasId: string): Promise<string> {
  const me = await client.auth.test();
  return canvasUrl(String(me.url ?? 'https://slack.com/'), String(me.team_id ?? ''), canvasId);
}

/**
 * Writes the postmortem canvas of an incident and returns where it is. Throws CanvasRefused when
 * Slack says no. The canvas id is stored as soon as Slack made the canvas, before anything else
 * can fail, so a retry edits it instead of making another.
 */
export async function publishPostmortemCanvas(
  deps: Deps,
  client: WebClient,
  incident: Incident,
  userId: string,
): Promise<PostmortemCanvasResult> {
  const channelId = incident.channelId;
  if (!channelId)
    throw new DomainError('invalid_state', `${incidentRef(incident)} has no channel to hold a canvas.`);
  // Names, not ids, in the Markdown file; a canvas mentions people, but the names still serve
  // the title and the file the person may fall back to.
  await Promise.all(
    postmortemPeople(deps.db, incident.id).map((id) => getPerson(client, deps.db, deps.clock, id)),
  );
  const doc = postmortemCanvasDoc(deps.db, incident.id, { now: deps.clock.now() });
  const content = { type: 'markdown' as const, markdown: doc.markdown };

  const edit = async (canvasId: string): Promise<boolean> => {
    try {
      await client.canvases.edit({
        canvas_id: canvasId,
        changes: [{ operation: 'replace', document_content: content }],
      });
      touchPostmortemCanvas(deps.db, deps.clock, incident.id);
      return true;
    } catch (e) {
      // Deleted in Slack since: make a new one below.
      if (slackErrorCode(e) === 'canvas_not_found') {
        forgetPostmortemCanvas(deps.db, incident.id);
        return false;
      }
      throw refused(e);
    }
  };

  const known = getPostmortemCanvas(deps.db, incident.id);
  if (known && (await edit(known.canvasId))) {
    return {
      canvasId: known.canvasId,
      url: await workspaceLink(client, known.canvasId),
      created: false,
      kind: known.kind,
    };
  }

  let canvasId: string;
  let kind: CanvasKind = 'channel';
  try {
    const r = await client.conversations.canvases.create({
      channel_id: channelId,
      title: doc.title,
      document_content: content,
    });
    canvasId = String(r.canvas_id);
  } catch (e) {
    if (slackErrorCode(e) !== 'channel_canvas_already_exists') throw refused(e);
    // Another run may have just made it (a double click): then that one is ours to edit.
    const raced = getPostmortemCanvas(deps.db, incident.id);
    if (raced && (await edit(raced.canvasId)))
      return {
        canvasId: raced.canvasId,
        url: await workspaceLink(client, raced.canvasId),
        created: false,
        kind: raced.kind,
      };
    // The channel already has a canvas of its own (people's notes): leave it alone and tab ours
    // beside it. "A canvas can be automatically added to a channel tab with write permissions by
    // setting the channel_id parameter" (canvases.create): shared with that channel only.
    try {
      const r = await client.canvases.create({
        channel_id: channelId,
        title: doc.title,
        document_content: content,
      });
      canvasId = String(r.canvas_id);
      kind = 'tabbed';
    } catch (e2) {
      throw refused(e2);
    }
  }
  recordPostmortemCanvas(deps.db, deps.clock, {
    incidentId: incident.id,
    canvasId,
    channelId,
    kind,
    createdBy: userId,
  });
  return { canvasId, url: await workspaceLink(client, canvasId), created: true, kind };
}

/** The whole request: write the canvas, announce a new one in the channel, answer the person. */
export async function postmortemCanvasFor(
  deps: Deps,
  client: WebClient,
  incident: Incident,
  userId: string,
  reply: (message: string | { text: string; blocks: KnownBlock[] }) => Promise<void>,
): Promise<void> {
  const ref = incidentRef(incident);
  let result: PostmortemCanvasResult;
  try {
    result = await publishPostmortemCanvas(deps, client, incident, userId);
  } catch (e) {
    if (!(e instanceof CanvasRefused)) throw e;
    deps.logger.warn(`postmortem canvas of ${ref} refused: ${e.code}`);
    await reply(canvasRefusedMessage(ref, incident.id, e.advice, e.code));
    return;
  }
  const link = mrkdwnLink(result.url, `Postmortem — ${ref}`);
  if (result.created && incident.channelId) {
    try {
      await client.chat.postMessage({
        channel: incident.channelId,
        text: `:memo: ${link}: the postmortem draft for ${ref} is a canvas now, from the incident's record, started by <@${userId}>. Edit it freely; \`/incident postmortem\` again refreshes it from the record.`,
      });
    } catch (e) {
      await reply(
        `:memo: The ${ref} postmortem canvas is ready: ${link}. I could not post the link in ${channelLink(incident.channelId)} (${describeError(e)}).`,
      );
      return;
    }
  }
  await reply(
    result.created
      ? `:memo: The ${ref} postmortem canvas is ready: ${link}.`
      : `:memo: The ${ref} postmortem canvas is updated from the incident's record: ${link}. Edits people made in it were replaced.`,
  );
}

const notVisible = () => new DomainError('not_found', 'There is no such incident, or it is private.');

/** `/incident postmortem [INC-n]`, for the command router (handed to it by register.ts). */
export function postmortemSubcommand(deps: Deps): Subcommand {
  return {
    name: 'postmortem',
    usage: 'postmortem',
    description:
      'write the postmortem draft into a canvas in the incident channel (again: refresh it from the record)',
    group: 'Resolution',
    async run(call) {
      const { command, client } = call.bolt;
      const { incident } = resolveTargetIncident(deps.db, call.rest, command.channel_id);
      if (!(await canView(deps.members, client, incident, command.user_id))) throw notVisible();
      if (!incident.channelId)
        throw new DomainError('invalid_state', `${incidentRef(incident)} has no channel to hold a canvas.`);
      await call.reply(`:hourglass_flowing_sand: Writing the ${incidentRef(incident)} postmortem canvas…`);
      afterCommit(deps, `postmortem canvas ${incidentRef(incident)}`, () =>
        postmortemCanvasFor(deps, client, incident, command.user_id, (m) => call.reply(m)),
      );
    },
  };
}

type Message = string | { text: string; blocks: KnownBlock[] };

/**
 * The Postmortem button on the resolution message, and "Upload the Markdown draft" offered when
 * the canvas is refused. Both answer only the person who clicked.
 */
export function registerPostmortem(app: Listeners, deps: Deps): void {
  const clicked = async (
    args: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs,
    run: (incident: Incident, user: string, tell: (m: Message) => Promise<void>) => Promise<void>,
  ) => {
    await args.ack();
    const user = args.body.user.id;
    const channel = args.body.channel?.id ?? args.body.container?.channel_id;
    const tell = async (m: Message) => {
      const body = typeof m === 'string' ? { text: m } : m;
      if (args.body.response_url)
        await args.respond({ response_type: 'ephemeral', replace_original: false, ...body });
      else await tellPrivately(args.client, user, channel, body.text);
    };
    const id = Number((args.action as { value?: string }).value);
    const incident = Number.isInteger(id) && id > 0 ? getIncidentById(deps.db, id) : undefined;
    if (!incident || !(await canView(deps.members, args.client, incident, user))) {
      await tell(':warning: There is no such incident, or it is private.');
      return;
    }
    await run(incident, user, tell);
  };
  app.action<BlockAction>(ACTION.postmortemCanvas, (args) =>
    clicked(args, (incident, user, tell) => postmortemCanvasFor(deps, args.client, incident, user, tell)),
  );
  app.action<BlockAction>(ACTION.postmortemExport, (args) =>
    clicked(args, async (incident, user, tell) => {
      await tell(`:hourglass_flowing_sand: Uploading the ${incidentRef(incident)} postmortem draft…`);
      await uploadPostmortemFile(deps, args.client, incident, user, tell);
    }),
  );
}

import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { postmortemCanvases } from '../db/schema.js';
import type { Clock } from '../runtime/clock.js';
import {
  buildPostmortemDraft,
  type MarkdownFlavor,
  type PostmortemDraft,
  renderDraft,
} from '../timeline/export.js';

/**
 * The postmortem as a Slack canvas: the same draft as the Markdown export
 * (src/timeline/export.ts), rendered for a canvas, and the record of which canvas holds it so a
 * second run edits that canvas instead of making another. No Slack calls here: the glue is
 * src/resolution/slack/postmortem.ts.
 */

export type CanvasKind = 'channel' | 'tabbed';

export interface PostmortemCanvasRecord {
  incidentId: number;
  canvasId: string;
  channelId: string;
  kind: CanvasKind;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A canvas's Markdown (https://docs.slack.dev/surfaces/canvases): people as live mentions
 * `![](@U…)`, so the canvas shows and links them the way Slack does everywhere; no HTML, so a line
 * break inside a table cell becomes a space and a typed `<` is written as an entity; no heading below
 * h3; the canvas has a title of its own, so no `#` title line.
 */
export const canvasFlavor: MarkdownFlavor = {
  person: (id) => `![](@${id})`,
  // Headings stop at h3 ("headings h1-h3"): a deeper one typed in a description becomes h3.
  escape: (s) => s.replace(/</g, '&lt;').replace(/^(\s{0,3})#{4,}(?=\s|$)/gm, '$1###'),
  cellBreak: ' ',
  titleHeading: false,
};

export interface PostmortemCanvasDoc {
  /** The canvas title: `Postmortem — INC-7: Checkout 502s`. */
  title: string;
  markdown: string;
  draft: PostmortemDraft;
}

/** Canvas titles are short in Slack's sidebar and header; a long incident title is cut with "…". */
const TITLE_MAX = 120;

export function postmortemCanvasDoc(
  db: Db,
  incidentId: number,
  opts: { now: Date; tz?: string },
): PostmortemCanvasDoc {
  const draft = buildPostmortemDraft(db, incidentId, opts);
  const full = `Postmortem — ${draft.title}`;
  const title = full.length > TITLE_MAX ? `${full.slice(0, TITLE_MAX - 1)}…` : full;
  return { title, markdown: renderDraft(draft, canvasFlavor), draft };
}

export function getPostmortemCanvas(db: Db, incidentId: number): PostmortemCanvasRecord | undefined {
  const row = db.select().from(postmortemCanvases).where(eq(postmortemCanvases.incidentId, incidentId)).get();
  return row ? { ...row, kind: row.kind as CanvasKind } : undefined;
}

/** Stored as soon as Slack made the canvas, so no later failure can lead to a second one. */
export function recordPostmortemCanvas(
  db: Db,
  clock: Clock,
  rec: { incidentId: number; canvasId: string; channelId: string; kind: CanvasKind; createdBy: string },
): void {
  const now = clock.now();
  db.insert(postmortemCanvases)
    .values({ ...rec, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: postmortemCanvases.incidentId,
      set: { canvasId: rec.canvasId, channelId: rec.channelId, kind: rec.kind, updatedAt: now },
    })
    .run();
}

export function touchPostmortemCanvas(db: Db, clock: Clock, incidentId: number): void {
  const now = clock.now();
  db.update(postmortemCanvases)
    .set({ updatedAt: now })
    .where(eq(postmortemCanvases.incidentId, incidentId))
    .run();
}

/** The canvas is gone (deleted in Slack): the next run makes a new one. */
export function forgetPostmortemCanvas(db: Db, incidentId: number): void {
  db.delete(postmortemCanvases).where(eq(postmortemCanvases.incidentId, incidentId)).run();
}

/** Where a canvas opens in Slack: `https://<workspace>.slack.com/docs/<team id>/<canvas id>`. */
export function canvasUrl(workspaceUrl: string, teamId: string, canvasId: string): string {
  return `${workspaceUrl.replace(/\/?$/, '/')}docs/${teamId}/${canvasId}`;
}

import type { WebClient } from '@slack/web-api';
import type { Deps } from '../deps.js';
import { knownServices } from '../incidents/list.js';
import { truncate } from './format.js';
import { type DeclareMetadata, declareModal } from './views/declare-modal.js';

/** Opens the declare modal (from `/incident`, the global shortcut or the Home tab's button). */
export async function openDeclareModal(
  deps: Deps,
  client: WebClient,
  triggerId: string,
  userId: string,
  metadata: DeclareMetadata = {},
  prefill?: { title?: string; description?: string },
): Promise<void> {
  await client.views.open({
    trigger_id: triggerId,
    view: declareModal({
      declarerId: userId,
      knownServices: knownServices(deps.db),
      metadata,
      ...(prefill ? { prefill } : {}),
    }),
  });
}

/** The title and description a message suggests: its first line, and the whole text with its link. */
export function prefillFromMessage(text: string, permalink?: string): { title: string; description: string } {
  const firstLine = text.split('\n').find((l) => l.trim()) ?? '';
  // Mentions and links arrive as <@U…>/<http…|label>; keep only what a person reads.
  const readable = (s: string) =>
    s
      .replace(/<([^|>]+)\|([^>]+)>/g, '$2')
      .replace(/<([^>]+)>/g, '$1')
      .trim();
  const title = truncate(readable(firstLine), 150);
  const from = permalink ? `\n\nDeclared from: ${permalink}` : '';
  const description = `${truncate(readable(text), 3000 - from.length)}${from}`;
  return { title, description };
}

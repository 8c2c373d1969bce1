import type { App, MessageShortcut } from '@slack/bolt';
import type { Deps } from '../../runtime/deps.js';
import { describeError } from '../../slack/effects.js';
import { SHORTCUT } from '../../slack/ids.js';
import { fromSlack } from '../../slack/text.js';
import { openDeclareModal, prefillFromMessage } from './declare-flow.js';

/** shortcuts listeners of the lifecycle feature. */
export function register(app: App, deps: Deps): void {
  app.shortcut(SHORTCUT.declareGlobal, async ({ ack, shortcut, client }) => {
    await ack();
    await openDeclareModal(deps, client, shortcut.trigger_id, shortcut.user.id);
  });

  app.shortcut<MessageShortcut>(SHORTCUT.declareFromMessage, async ({ ack, shortcut, client }) => {
    await ack();
    const channel = shortcut.channel.id;
    const ts = shortcut.message.ts;
    // Decoded once, here: the prefilled form and the first timeline entry read as the message did.
    const text = fromSlack(shortcut.message.text ?? '', deps.people.nameOf);
    let permalink: string | undefined;
    try {
      permalink = (await client.chat.getPermalink({ channel, message_ts: ts })).permalink;
    } catch (e) {
      // The link is a convenience; the modal still opens (the trigger expires in 3 s).
      deps.logger.warn(`chat.getPermalink failed for a declared message: ${describeError(e)}`);
    }
    const author = shortcut.message.user ?? undefined;
    await openDeclareModal(
      deps,
      client,
      shortcut.trigger_id,
      shortcut.user.id,
      {
        origin: channel,
        source: { channel, ts, text, ...(permalink ? { permalink } : {}), ...(author ? { author } : {}) },
      },
      prefillFromMessage(text, permalink),
    );
  });
}

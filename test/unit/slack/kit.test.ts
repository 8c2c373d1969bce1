import { describe, expect, it } from 'vitest';
import { invalid } from '../../../src/incidents/errors.js';
import type { Deps } from '../../../src/runtime/deps.js';
import { blocksNamed, submit, type ViewArgs } from '../../../src/slack/kit.js';

/**
 * A refusal reaches the person inline whatever field it names: a field the form has an input block
 * for is shown under it, any other on the form's fallback block (Slack shows `errors` only under
 * the view's input blocks).
 */

async function answerTo(field: string | undefined, blockFor: (f?: string) => string | undefined) {
  const acks: unknown[] = [];
  const args = {
    ack: async (r?: unknown) => {
      acks.push(r);
    },
    view: { callback_id: 'test_modal' },
    body: { user: { id: 'U0ALICE' } },
  } as unknown as ViewArgs;
  const deps = { logger: { warn() {} } } as unknown as Deps;
  await submit(
    deps,
    args,
    'title',
    'Nothing changed',
    async () => {
      throw invalid('Keep it short.', field);
    },
    blockFor,
  );
  return acks;
}

const shownOn = (block: string) => [{ response_action: 'errors', errors: { [block]: 'Keep it short.' } }];

describe('submit', () => {
  it('puts a refusal under the input block its field maps to', async () => {
    expect(await answerTo('reason', blocksNamed('title', 'reason'))).toEqual(shownOn('reason'));
    expect(await answerTo('why', (f) => (f === 'why' ? 'reason' : undefined))).toEqual(shownOn('reason'));
  });

  it('puts it under the fallback block when the form has no block for the field', async () => {
    const form = blocksNamed('title', 'reason');
    for (const field of [undefined, 'occurredAt', 'services'])
      expect(await answerTo(field, form), String(field)).toEqual(shownOn('title'));
  });
});

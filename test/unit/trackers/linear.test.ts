import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLinear } from '../../../sim/trackers/linear.js';
import { linearTracker } from '../../../src/trackers/linear.js';
import { TrackerError } from '../../../src/trackers/types.js';

let fake: FakeLinear;
beforeAll(async () => {
  fake = await FakeLinear.start({ apiKey: 'lin_api_test', teamId: 'team-1', teamKey: 'ENG', users: [] });
});
afterAll(async () => {
  await fake.close();
});

const tracker = (teamId = 'team-1') =>
  linearTracker({ baseUrl: fake.url, token: 'lin_api_test', teamId, labels: [] });

describe('Linear fetch', () => {
  it('answers null for an issue Linear does not have (deleted), not an error that stops the poll', async () => {
    const t = tracker();
    const made = await t.create({
      title: 'Add a canary',
      body: 'From INC-1',
      link: { text: 'INC-1', url: null },
      assignee: null,
      dueDate: null,
    });
    expect(await t.fetch(made.ref)).toMatchObject({ ref: made.ref, closed: false });
    expect(await t.fetch('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('still fails on other refusals, flagged as not a missing entity', async () => {
    const refused = await linearTracker({ baseUrl: fake.url, token: 'wrong', teamId: 'team-1', labels: [] })
      .fetch('x')
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TrackerError);
    expect((refused as TrackerError).notFound).toBe(false);
  });
});

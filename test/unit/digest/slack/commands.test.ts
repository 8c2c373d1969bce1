import type { RespondArguments } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config.js';
import { digestSubcommands } from '../../../../src/digest/slack/commands.js';
import { DomainError } from '../../../../src/incidents/errors.js';
import { FakeClock } from '../../../../src/runtime/clock.js';
import type { Deps } from '../../../../src/runtime/deps.js';
import type { SubcommandCall } from '../../../../src/slack/command/router.js';
import { makeIncident, testDb } from '../../../helpers/db.js';

function setup() {
  const db = testDb();
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: 'secret',
    DIGEST_TZ: 'UTC',
  });
  const deps = { db, config, clock: new FakeClock('2026-11-24T09:00:00Z') } as unknown as Deps;
  const sub = digestSubcommands(deps)[0];
  if (!sub) throw new Error('no digest subcommand');
  const call = async (rest: string) => {
    const replies: RespondArguments[] = [];
    const c = {
      deps,
      rest,
      text: `digest ${rest}`.trim(),
      mentions: new Map(),
      acked: false,
      bolt: {} as SubcommandCall['bolt'],
      reply: async (m: string | RespondArguments) => {
        replies.push(typeof m === 'string' ? { text: m } : m);
      },
    } satisfies SubcommandCall;
    await sub.run(c);
    return replies;
  };
  return { db, call, sub };
}

describe('/incident digest', () => {
  it('is registered under Reports with its usage', () => {
    const { sub } = setup();
    expect(sub).toMatchObject({ name: 'digest', usage: 'digest [last]', group: 'Reports' });
  });

  it('shows this week so far, or the previous week with `last`, ephemerally', async () => {
    const { db, call } = setup();
    makeIncident(db, { title: 'Now', declaredAt: new Date('2026-11-23T10:00:00Z') });
    makeIncident(db, { title: 'Before', declaredAt: new Date('2026-11-18T10:00:00Z') });
    const [now] = await call('');
    expect(now?.response_type).toBe('ephemeral');
    expect(now?.text).toContain('This week so far: 23–29 Nov 2026: 1 declared');
    const [last] = await call('LAST');
    expect(last?.text).toContain('Weekly incident digest: 16–22 Nov 2026: 1 declared');
  });

  it('refuses anything else with a usage hint', async () => {
    const { call } = setup();
    await expect(call('yesterday')).rejects.toBeInstanceOf(DomainError);
  });
});

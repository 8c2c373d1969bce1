import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../bench/lib/stats.js';
import type { CallRecord } from '../../sim/types.js';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { type Harness, startHarness, WS } from '../helpers/harness.js';

/**
 * Hostile input: more than 1,000 deterministic, generated inputs through every subcommand, the
 * declare and resolve modals' text fields, and messages captured to the timeline (reaction, shortcut,
 * edits). Afterwards: no answer was a 5xx or took longer than Slack waits, the bot still answers, no
 * error was logged (no FTS5 syntax error, no SQLite error, no unhandled listener error), and nothing
 * the bot sent to Slack contains a live mention, broadcast or link taken from the input.
 */
const { alice, bob } = WS.users;

// The hostile ids and hosts appear only in generated input: any raw `<@U0EVIL…` etc. in bot output
// means user text reached mrkdwn unescaped.
const ATOMS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S0EVIL1>',
  '<@U0EVIL1>',
  '<@W0EVIL2|boss>',
  '<#C0EVIL3|secret>',
  '<https://evil.example/x|ok>',
  '<mailto:evil@evil.example|mail>',
  '<!date^1392734382^{date}|x>',
  '@channel',
  '&',
  '&amp;',
  '&lt;!channel&gt;',
  '<',
  '>',
  '*bold*',
  '_it_',
  '`code`',
  '```block```',
  '~strike~',
  '> quote',
  '🔥',
  '👩‍💻',
  '\u202eRTL',
  '\u200b',
  'e\u0301',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\t',
  '\n',
  '\r\n',
  "'; drop table incidents; --",
  '" OR 1=1 --',
  'NEAR(a b)',
  'a AND OR b',
  '"unterminated',
  '*',
  'title:foo',
  '^start',
  'a NOT',
  '(',
  ')',
  '-x',
  '+',
  'col:*',
  'NEAR/3',
  '{}',
  '[]',
  'INC-999999999999',
  'INC-0',
  'at 99:99',
  'at 2026-02-30 14:05',
  'due 2099-13-45',
  '%s%n',
  '../../etc/passwd',
  'null',
  'undefined',
  '1e309',
  '-1',
];

function generator(seed: number) {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  return (maxLen: number, noMentions = false): string => {
    const atoms = noMentions ? ATOMS.filter((a) => !/^<[@#]/.test(a)) : ATOMS;
    const r = rand();
    if (r < 0.04) return '';
    if (r < 0.07) return ' \t ';
    if (r < 0.1)
      return pick(atoms)
        .repeat(Math.ceil(maxLen / 4))
        .slice(0, maxLen);
    const parts: string[] = [];
    const n = 1 + Math.floor(rand() * 6);
    for (let i = 0; i < n; i++)
      parts.push(rand() < 0.6 ? pick(atoms) : pick(['checkout', 'db', '502', 'pool', 'deploy', 'x']));
    return parts.join(rand() < 0.5 ? ' ' : '').slice(0, maxLen);
  };
}

const SUBCOMMANDS = [
  'status',
  'severity',
  'lead',
  'role',
  'rename',
  'services',
  'describe',
  'update',
  'show',
  'list',
  'followup',
  'followups',
  'note',
  'timeline',
  'export',
  'digest',
  'help',
  'rootcause',
  'reopen',
  'ack',
  'nonsense',
];

/** Never allowed from input anywhere: broadcasts, user-group pings, disguised links, forged dates. */
const MRKDWN_LEAKS = [
  /<!channel\b/,
  /<!here\b/,
  /<!everyone\b/,
  /<!subteam/,
  /<https?:\/\/evil/,
  /<mailto:evil/,
  /<!date\^1392734382/,
];
/**
 * Person and channel mentions from input: allowed only where nobody is notified (ephemeral answers,
 * where the timeline deliberately keeps `<@U…>` readable) — never in a message posted to a channel.
 */
const MENTION_LEAKS = [/<@[UW]0EVIL/, /<#C0EVIL/];
/** Subcommands whose argument is a person: a `<@U…>` there is meant, not injected. */
const PERSON_ARG = new Set(['lead', 'role', 'followup']);
const NOT_RENDERED = new Set([
  'value',
  'private_metadata',
  'action_id',
  'block_id',
  'initial_value',
  'url',
  'callback_id',
  'external_id',
  'trigger_id',
  'view_id',
  'hash',
  'name',
  'ts',
  'thread_ts',
  'channel',
  'user',
  'users',
  'timestamp',
  'content',
  'filename',
  'title',
  'file',
  'files',
  'alt_text',
  'image_url',
]);

/** Every string in a Web API call the bot made that Slack would render as mrkdwn. */
function renderedStrings(v: unknown, key = '', out: string[] = []): string[] {
  if (typeof v === 'string') {
    if (!NOT_RENDERED.has(key)) out.push(v);
  } else if (Array.isArray(v)) {
    for (const x of v) renderedStrings(x, key, out);
  } else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // plain_text objects are shown literally: no mentions, no links.
    if (o.type === 'plain_text') return out;
    for (const [k, x] of Object.entries(o)) renderedStrings(x, k, out);
  }
  return out;
}

let h: Harness;
const logged: string[] = [];
const statuses: number[] = [];
let inputs = 0;
let channel = '';

beforeAll(async () => {
  h = await startHarness({ now: '2026-11-23T14:00:00Z' });
  // Capture what the bot logs at warn/error (the harness logger is shared with Bolt and the client).
  const logger = h.deps.logger;
  for (const level of ['error', 'warn'] as const) {
    const orig = logger[level].bind(logger);
    logger[level] = (...args: unknown[]) => {
      logged.push(
        `${level}: ${args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(' ')}`,
      );
      orig(...args);
    };
  }
  const r = await h.person(alice).command('declare Checkout API returns 502', WS.channels.general);
  await h.idle();
  const n = Number(/INC-(\d+)/.exec(r.reply?.text ?? '')?.[1]);
  channel = getIncidentByNumber(h.db, n)?.channelId ?? '';
  await h.person(bob).join(channel);
  await h.idle();
}, 30_000);

afterAll(async () => {
  await h?.close();
});

async function command(user: string, text: string, where: string) {
  inputs++;
  const r = await h.person(user).command(text, where);
  statuses.push(r.status);
  // Close any modal a command opened, so the next one starts clean.
  while (h.person(user).hasView()) await h.person(user).closeView();
}

describe('hostile input', () => {
  it('through every subcommand, in the incident channel and elsewhere', async () => {
    const gen = generator(1);
    for (let round = 0; round < 40; round++) {
      for (const sub of SUBCOMMANDS) {
        const where = round % 3 === 2 ? WS.channels.general : channel;
        const who = round % 4 === 3 ? WS.users.dave : alice;
        await command(who, `${sub} ${gen(round % 5 === 0 ? 2900 : 300, PERSON_ARG.has(sub))}`, where);
      }
      // Occasionally a hostile declaration (a new channel each time, so not every round).
      if (round % 4 === 0) await command(alice, `declare ${gen(140) || 'x'}`, WS.channels.general);
      await h.idle();
    }
  }, 240_000);

  it('through the declare and resolve modals', async () => {
    const gen = generator(2);
    const a = h.person(alice);
    for (let i = 0; i < 40; i++) {
      await a.shortcut('declare_incident');
      await h.idle();
      inputs++;
      try {
        const r = await a.fillAndSubmit({ Title: gen(150) || 'x', Description: gen(2000) });
        statuses.push(r.status);
      } catch (e) {
        // The Slack client itself refuses some input (required field empty): nothing was sent.
        expect(String(e)).toMatch(/required|length|empty/i);
      }
      while (a.hasView()) await a.closeView();
      await h.idle();
    }
    for (let i = 0; i < 30; i++) {
      await a.command('resolve', channel);
      await h.idle();
      if (!a.hasView()) continue;
      inputs++;
      try {
        const r = await a.fillAndSubmit({
          'What fixed it?': gen(1000) || 'x',
          'Root cause': gen(1000) || 'x',
          'Contributing factors (one per line)': gen(500),
          'Follow-up 1': gen(200),
        });
        statuses.push(r.status);
      } catch (e) {
        expect(String(e)).toMatch(/required|length|empty|no input/i);
      }
      while (a.hasView()) await a.closeView();
      await h.idle();
      await command(alice, 'reopen', channel);
      await h.idle();
    }
    // The summary's modals: status update, edit details; and the root-cause modal.
    const summaryTs = () => h.sim.pins(channel)[0]?.ts ?? '';
    const submittedBefore = statuses.length;
    for (let i = 0; i < 30; i++) {
      const which = i % 3;
      try {
        if (which === 0) {
          await a.click('Update status', { channel, ts: summaryTs() });
          await h.idle();
          inputs++;
          statuses.push(
            (await a.fillAndSubmit({ Status: 'Monitoring', 'Update for stakeholders': gen(2000) || 'x' }))
              .status,
          );
        } else if (which === 1) {
          await a.click('Edit details', { channel, ts: summaryTs() });
          await h.idle();
          inputs++;
          statuses.push((await a.fillAndSubmit({ Title: gen(150) || 'x', Description: gen(2000) })).status);
        } else {
          await a.command('rootcause', channel);
          await h.idle();
          if (!a.hasView()) continue;
          inputs++;
          statuses.push(
            (
              await a.fillAndSubmit({
                'Root cause': gen(1000) || 'x',
                'Contributing factors (one per line)': gen(500),
              })
            ).status,
          );
        }
      } catch (e) {
        expect(String(e)).toMatch(/required|length|empty|no input|no button|not found/i);
      }
      while (a.hasView()) await a.closeView();
      await h.idle();
    }
    // Most of them really reached the bot (a few are refused by the Slack client itself).
    expect(statuses.length - submittedBefore).toBeGreaterThan(20);
  }, 240_000);

  it('through captured messages: reaction, shortcut, edits and deletions', async () => {
    const gen = generator(3);
    for (let i = 0; i < 150; i++) {
      const m = await h.person(bob).say(channel, gen(i % 10 === 0 ? 3900 : 400) || '.');
      inputs++;
      if (i % 3 === 0) await h.person(alice).react(channel, m.ts, 'pushpin');
      else if (i % 3 === 1)
        statuses.push((await h.person(alice).messageShortcut('add_to_timeline', channel, m.ts)).status);
      else await h.person(alice).pin(channel, m.ts);
      await h.idle();
      if (i % 4 === 0) {
        inputs++;
        await h.person(bob).edit(channel, m.ts, gen(400) || '..');
      }
      if (i % 9 === 0) await h.person(bob).delete(channel, m.ts);
      await h.idle();
    }
    await command(alice, 'timeline', channel);
    await command(alice, 'timeline 2', channel);
    await command(alice, 'export', channel);
    await h.idle();
  }, 240_000);

  it('left no 5xx, no error in the log, no live mention or link in anything the bot sent, and the bot still answers', async () => {
    expect(inputs).toBeGreaterThanOrEqual(1000);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    const help = await h.person(alice).command('help', WS.channels.general);
    expect(help.status).toBe(200);
    expect(help.reply?.text).toContain('/incident');

    expect(logged.filter((l) => /fts5|syntax error|SQLITE|unhandled|TypeError|RangeError/i.test(l))).toEqual(
      [],
    );
    expect(logged.filter((l) => l.startsWith('error'))).toEqual([]);

    const leaks = scanLeaks((m) => m !== 'conversations.setPurpose');
    expect([...new Set(leaks)]).toEqual([]);
    // The bot did post plenty: the inspection had something to inspect.
    expect(h.sim.calls().length).toBeGreaterThan(200);
  });

  it('the channel purpose (the title) carries no live link or broadcast from the title', () => {
    expect([...new Set(scanLeaks((m) => m === 'conversations.setPurpose'))]).toEqual([]);
  });
});

/** Leaks in what the bot sent (Web API calls selected by `include`, plus every ephemeral). */
function scanLeaks(include: (method: string) => boolean): string[] {
  const leaks: string[] = [];
  const check = (where: string, s: string, patterns: RegExp[]) => {
    for (const re of patterns) {
      const m = re.exec(s);
      if (m) leaks.push(`${where} [${m[0]}]: …${s.slice(Math.max(0, m.index - 60), m.index + 60)}…`);
    }
  };
  const sent = h.sim
    .calls()
    .filter((c: CallRecord) => include(c.method))
    .filter(
      (c) =>
        !/^(users|conversations\.(members|info|history|replies)|auth|reactions\.get|pins\.list)/.test(
          c.method,
        ),
    );
  for (const c of sent) {
    // chat.postEphemeral notifies nobody; everything else is seen by the channel.
    const patterns = c.method === 'chat.postEphemeral' ? MRKDWN_LEAKS : [...MRKDWN_LEAKS, ...MENTION_LEAKS];
    for (const s of renderedStrings(c.args)) check(c.method, s, patterns);
  }
  if (include('(ephemeral)')) {
    for (const u of Object.values(WS.users)) {
      for (const e of h.sim.ephemerals(u)) {
        for (const s of [e.text, ...renderedStrings(e.blocks ?? [])])
          check(`ephemeral(${e.source})`, s, MRKDWN_LEAKS);
      }
    }
  }
  return leaks;
}

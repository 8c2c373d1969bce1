import { describe, expect, it } from 'vitest';
import { safe } from '../../../src/slack/format.js';
import { fromCommand, fromSlack } from '../../../src/slack/text.js';

/** The one decoder of Slack text (src/slack/text.ts); format.ts escapes on the way out. */
describe('fromSlack', () => {
  it('entities back to characters, once', () => {
    expect(fromSlack('p99 &gt; 2s on R&amp;D &lt;b&gt;')).toBe('p99 > 2s on R&D <b>');
    // A typed "&amp;" arrives as "&amp;amp;" and stays "&amp;".
    expect(fromSlack('&amp;amp; &amp;lt;')).toBe('&amp; &lt;');
  });

  it('people, channels, broadcasts and links as a person reads them', () => {
    const names = (id: string) => (id === 'U0ALICE' ? 'alice' : undefined);
    expect(fromSlack('<@U0ALICE> <@U0BOB|bob> <@U0DAVE>', names)).toBe('@alice @bob @U0DAVE');
    expect(fromSlack('in <#C0GENERAL|general> and <#C0X>')).toBe('in #general and #C0X');
    expect(fromSlack('<!here> <!channel> <!subteam^S1|@oncall> <!date^1764000000^{date}|Nov 24>')).toBe(
      '@here @channel @oncall Nov 24',
    );
    expect(fromSlack('<https://a.example/x?a=1&amp;b=2>')).toBe('https://a.example/x?a=1&b=2');
    expect(fromSlack('<https://a.example|runbook>')).toBe('runbook (https://a.example)');
    expect(fromSlack('<http://a.example|a.example> <mailto:x@y.example|x@y.example>')).toBe(
      'a.example x@y.example',
    );
  });

  it('escaping what it decoded gives back what Slack sent (no double escape)', () => {
    const sent = 'a &lt; b &amp;&amp; c &gt; d';
    expect(safe(fromSlack(sent))).toBe(sent);
  });
});

describe('fromCommand', () => {
  it('decodes the text and keeps the IDs of the people Slack escaped', () => {
    const { text, mentions } = fromCommand(
      'role comms <@U0BOB|bob> &amp; <@U0CAROL> in <#C0GENERAL|general>',
    );
    expect(text).toBe('role comms @bob & @U0CAROL in #general');
    expect([...mentions]).toEqual([
      ['@bob', 'U0BOB'],
      ['@u0carol', 'U0CAROL'],
    ]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../sim/trackers/github.js';
import { readManifest } from '../../sim/web-api.js';
import { getIncidentByNumber } from '../../src/incidents/queries.js';
import { type Harness, type HarnessOptions, startHarness, WS } from '../helpers/harness.js';

/**
 * The postmortem as a Slack canvas, through the simulator: `/incident postmortem` and the
 * Postmortem button write the incident's draft into its channel's canvas; a second run edits the
 * same canvas; refusals are told to the person with the Markdown export as the way out; a private
 * incident's canvas opens only for its channel's members.
 */
const { alice, bob, carol } = WS.users;
let h: Harness;

afterEach(async () => {
  await h?.close();
});

async function start(opts: HarnessOptions = {}): Promise<Harness> {
  h = await startHarness({ now: '2026-11-23T14:00:00Z', ...opts });
  return h;
}

/** Declares INC-1 (alice leads, bob joins, a note), resolves it with a root cause, factors and a follow-up. */
async function resolvedIncident(opts: { private?: boolean } = {}): Promise<string> {
  const a = h.person(alice);
  if (opts.private) {
    await a.command('declare');
    await a.fillAndSubmit({ Title: 'Payroll export leaks salaries', Severity: 'SEV2', Private: true });
  } else {
    await a.command('declare Checkout returns 502');
  }
  await h.idle();
  const channel = getIncidentByNumber(h.db, 1)?.channelId ?? '';
  expect(channel).not.toBe('');
  // alice adds bob (a private channel is by invitation only).
  await h.sim.join(bob, channel, alice);
  await h.idle();
  h.clock.set('2026-11-23T14:05:00Z');
  await h.person(bob).command('note errors started after the 13:55 deploy <b>really</b>', channel);
  h.clock.set('2026-11-23T14:20:00Z');
  await a.command('resolve', channel);
  const r = await a.fillAndSubmit({
    'What fixed it?': 'Rolled back the 13:55 deploy of checkout-api',
    'Root cause': 'A config flag set the DB pool size to 0',
    'Root-cause category': 'configuration',
    'Contributing factors (one per line)': 'No canary\nAlert fired late',
    'Resolved at': new Date('2026-11-23T14:15:00Z'),
    'Follow-up 1': 'Add a canary stage to checkout-api',
    'Owner of follow-up 1': bob,
    'Due date of follow-up 1': '2026-11-25',
  });
  expect(r.errors).toBeUndefined();
  await h.idle();
  return channel;
}

const replies = (user: string) => h.sim.ephemerals(user).map((e) => e.text ?? '');

describe('/incident postmortem', () => {
  it('writes the draft into the channel canvas: summary, impact window, people, timeline, root cause, factors, follow-ups', async () => {
    await start();
    const channel = await resolvedIncident();
    const r = await h.person(alice).command('postmortem', channel);
    expect(r.reply?.text).toContain('Writing the INC-1 postmortem canvas');
    await h.idle();

    const canvas = h.sim.channelCanvas(channel);
    expect(canvas).toBeDefined();
    const md = canvas?.markdown ?? '';
    expect(canvas?.title).toBe('Postmortem — INC-1: Checkout returns 502');
    for (const heading of [
      '## Summary',
      '## Impact window',
      '## People and roles',
      '## Root cause',
      '## Timeline',
      '## Follow-ups',
    ])
      expect(md).toContain(heading);
    expect(md).toContain('- **Impact started:** 2026-11-23 14:00');
    expect(md).toContain('- **Resolved:** 2026-11-23 14:15');
    // People as canvas mentions, which Slack shows as the person.
    expect(md).toContain('- **Incident lead:** ![](@U0ALICE)');
    expect(md).toMatch(/Took part:\*\* .*!\[\]\(@U0BOB\)/);
    expect(md).toContain('A config flag set the DB pool size to 0');
    expect(md).toContain('- **Contributing factors:**\n  - No canary\n  - Alert fired late');
    expect(md).toContain('errors started after the 13:55 deploy &lt;b>really&lt;/b>');
    expect(md).toContain('| open | Add a canary stage to checkout-api | ![](@U0BOB) | 2026-11-25 |');
    expect(md).not.toContain('<br>');

    // The link goes to the channel, and the person gets it too.
    const link = `https://firebreak-sim.slack.com/docs/${WS.team}/${canvas?.id}`;
    expect(h.sim.render(channel)).toContain(link);
    expect(replies(alice).at(-1)).toContain(link);
    expect(replies(alice).at(-1)).toContain('is ready');
  });

  it('comes from the same draft as the Markdown export', async () => {
    await start();
    const channel = await resolvedIncident();
    await h.person(alice).command('postmortem', channel);
    await h.person(alice).command('export', channel);
    await h.idle();
    const file = h.sim.files(channel).at(-1)?.bytes.toString('utf8') ?? '';
    const canvas = h.sim.channelCanvas(channel)?.markdown ?? '';
    const headings = (s: string) => s.split('\n').filter((l) => /^#{2,3} /.test(l));
    expect(headings(canvas)).toEqual(headings(file));
    expect(file).toContain('- **Incident lead:** @alice');
    expect(file).toContain('| open | Add a canary stage to checkout-api | @bob | 2026-11-25 |');
  });

  it('a second run replaces the content of the same canvas instead of making another', async () => {
    await start();
    const channel = await resolvedIncident();
    await h.person(alice).command('postmortem', channel);
    await h.idle();
    const first = h.sim.channelCanvas(channel);
    const posts = h.sim.messages(channel).length;
    await h.person(alice).command('followup Page on pool exhaustion', channel);
    await h.person(bob).command('postmortem', channel);
    await h.idle();
    expect(h.sim.canvases()).toHaveLength(1);
    const again = h.sim.channelCanvas(channel);
    expect(again?.id).toBe(first?.id);
    expect(again?.history.map((x) => x.operation)).toEqual(['create', 'replace']);
    expect(again?.markdown).toContain('Page on pool exhaustion');
    expect(h.sim.calls('conversations.canvases.create')).toHaveLength(1);
    // No second link post: the channel already shows the canvas.
    expect(h.sim.messages(channel).filter((m) => (m.text ?? '').includes('/docs/'))).toHaveLength(1);
    expect(h.sim.messages(channel).length).toBeGreaterThanOrEqual(posts);
    expect(replies(bob).at(-1)).toContain('is updated');
  });

  it('the Postmortem button on the resolution message does the same', async () => {
    await start();
    const channel = await resolvedIncident();
    const resolution = h.sim.messages(channel).find((m) => (m.text ?? '').includes('INC-1 resolved'));
    expect(resolution).toBeDefined();
    await h.person(bob).click('Postmortem', { channel, ts: resolution?.ts ?? '' });
    await h.idle();
    const canvas = h.sim.channelCanvas(channel);
    expect(canvas?.markdown).toContain('A config flag set the DB pool size to 0');
    expect(replies(bob).at(-1)).toContain('is ready');
  });

  it('a channel that already has a canvas of its own keeps it; the postmortem is tabbed beside it', async () => {
    await start();
    const channel = await resolvedIncident();
    // People made the channel canvas by hand before.
    const own = h.sim.canvasStore.channelCanvasAsUser(alice, channel, 'Runbook', 'our notes');
    await h.person(alice).command('postmortem', channel);
    await h.idle();
    expect(h.sim.canvas(own.id)?.markdown).toBe('our notes');
    const ours = h.sim.canvases(channel).find((c) => c.id !== own.id);
    expect(ours?.markdown).toContain('## Root cause');
    expect([...(ours?.channels.keys() ?? [])]).toEqual([channel]);
    // And again: the tabbed canvas is edited, not made twice.
    await h.person(alice).command('postmortem', channel);
    await h.idle();
    expect(h.sim.canvases(channel)).toHaveLength(2);
  });

  it('a canvas deleted in Slack is made again on the next run', async () => {
    await start();
    const channel = await resolvedIncident();
    await h.person(alice).command('postmortem', channel);
    await h.idle();
    const first = h.sim.channelCanvas(channel);
    if (first) first.deleted = true;
    await h.person(alice).command('postmortem', channel);
    await h.idle();
    const second = h.sim.channelCanvas(channel);
    expect(second?.id).not.toBe(first?.id);
    expect(second?.markdown).toContain('## Follow-ups');
    expect(replies(alice).at(-1)).toContain('is ready');
  });
});

describe('refusals are told, with the Markdown export as the way out', () => {
  it('without the canvases:write scope', async () => {
    const scopes = readManifest().scopes.filter((s) => s !== 'canvases:write');
    await start({ scopes });
    const channel = await resolvedIncident();
    await h.person(alice).command('postmortem', channel);
    await h.idle();
    expect(h.sim.canvases()).toHaveLength(0);
    const said = replies(alice).at(-1) ?? '';
    expect(said).toContain('could not write the INC-1 postmortem canvas');
    expect(said).toContain('canvases:write');
    expect(said).toContain('missing_scope');
    expect(said).toContain('/incident export');

    // The fallback is one click away: the same draft as a Markdown file in the channel.
    await h.person(alice).click('Upload the Markdown draft');
    await h.idle();
    const file = h.sim.files(channel).at(-1);
    expect(file?.name).toBe('inc-1-checkout-returns-502-postmortem.md');
    expect(file?.bytes.toString('utf8')).toContain('A config flag set the DB pool size to 0');
  });

  it('when Slack cannot create it, and when canvases are off, from the button too', async () => {
    await start();
    const channel = await resolvedIncident();
    h.sim.fault('conversations.canvases.create', { error: 'channel_canvas_creation_failed' });
    await h.person(alice).command('postmortem', channel);
    await h.idle();
    expect(replies(alice).at(-1)).toMatch(
      /Slack could not write the canvas .*channel_canvas_creation_failed.*\/incident export/,
    );

    h.sim.ws.prefs.canvasesDisabled = true;
    const resolution = h.sim.messages(channel).find((m) => (m.text ?? '').includes('INC-1 resolved'));
    await h.person(bob).click('Postmortem', { channel, ts: resolution?.ts ?? '' });
    await h.idle();
    expect(replies(bob).at(-1)).toMatch(/canvases are turned off .*canvas_disabled_user_team/);
    expect(h.sim.canvases()).toHaveLength(0);
  });
});

describe('private incidents', () => {
  it("the canvas is the private channel's: only its members can open it, and the link stays there", async () => {
    await start();
    const channel = await resolvedIncident({ private: true });
    await h.person(alice).command('postmortem', channel);
    await h.idle();
    const canvas = h.sim.channelCanvas(channel);
    expect(canvas).toBeDefined();
    expect([...(canvas?.channels.keys() ?? [])]).toEqual([channel]);
    expect(h.sim.canOpenCanvas(canvas?.id ?? '', bob)).toBe(true);
    expect(h.sim.canOpenCanvas(canvas?.id ?? '', carol)).toBe(false);
    expect(h.sim.calls('canvases.access.set')).toHaveLength(0);
    for (const ch of Object.values(WS.channels))
      expect(h.sim.messages(ch).some((m) => (m.text ?? '').includes('/docs/'))).toBe(false);

    // Someone outside the channel cannot have it made or learn of it.
    const r = await h.person(carol).command('postmortem INC-1', WS.channels.general);
    expect(r.reply?.text).toContain('no such incident, or it is private');
  });
});

describe('follow-ups with tickets', () => {
  it('the canvas links each follow-up to its ticket (TRACKER=github)', async () => {
    const gh = await FakeGitHub.start({
      token: 'ghp_canvas_0123456789',
      repo: 'acme/ops',
      users: ['bob-gh'],
    });
    try {
      await start({
        env: {
          TRACKER: 'github',
          TRACKER_URL: gh.url,
          TRACKER_TOKEN: 'ghp_canvas_0123456789',
          TRACKER_PROJECT: 'acme/ops',
          TRACKER_USERS: 'U0BOB=bob-gh',
        },
      });
      const channel = await resolvedIncident();
      await h.person(alice).command('followup Page on pool exhaustion', channel);
      await h.idle();
      await h.person(alice).command('postmortem', channel);
      await h.idle();
      const md = h.sim.channelCanvas(channel)?.markdown ?? '';
      expect(md).toContain('| status | follow-up | owner | due | ticket |');
      expect(md).toMatch(
        /\| open \| Add a canary stage to checkout-api \| !\[\]\(@U0BOB\) \| 2026-11-25 \| \[GitHub #\d+\]\(https:\/\/github\.com\/acme\/ops\/issues\/\d+\) \|/,
      );
      expect(md).toMatch(
        /\| Page on pool exhaustion \| — \| — \| \[GitHub #\d+\]\(https:\/\/github\.com\/acme\/ops\/issues\/\d+\) \|/,
      );
    } finally {
      await gh.close();
    }
  });
});

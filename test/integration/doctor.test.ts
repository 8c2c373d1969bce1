import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WS } from '../../sim/api.js';
import { type SimulatorImpl, startSimulator } from '../../sim/web-api.js';
import { closeDb } from '../../src/db/client.js';
import { openMigratedDb } from '../../src/db/migrate.js';
import { type Check, formatChecks, manifestScopes, runDoctor } from '../../src/ops/doctor.js';

/**
 * `npm run doctor` against the simulator, which answers like Slack: the token's scopes in the
 * X-OAuth-Scopes header of every call, channel_not_found for a private channel the bot is not in.
 */
let dir = '';
let sim: SimulatorImpl | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: sim?.token ?? '',
    SLACK_SIGNING_SECRET: 'doctor-signing-secret',
    SLACK_API_URL: sim?.apiUrl ?? '',
    DATABASE_PATH: join(dir, 'firebreak.db'),
    ...extra,
  };
}

const byName = (checks: Check[], name: string) => checks.filter((c) => c.name === name);

describe('npm run doctor', () => {
  it('all good: token, every manifest scope, channels the bot is in or can join, a writable database, disk space', async () => {
    sim = await startSimulator();
    dir = mkdtempSync(join(tmpdir(), 'firebreak-doctor-'));
    closeDb(openMigratedDb(join(dir, 'firebreak.db')));
    // The bot was invited to the digest channel; the announce channel is public and given by name.
    sim.ws.channels.get(WS.channels.digest)?.members.push(WS.botUser);
    const checks = await runDoctor(
      env({ ANNOUNCE_CHANNEL: 'incidents', DIGEST_CHANNEL: WS.channels.digest }),
      {
        retries: 0,
      },
    );
    expect(
      checks.filter((c) => c.status === 'fail'),
      formatChecks(checks),
    ).toEqual([]);
    expect(byName(checks, 'token')[0]?.detail).toContain('Slack accepted SLACK_BOT_TOKEN');
    expect(byName(checks, 'scopes')[0]?.detail).toBe(
      `all ${manifestScopes().length} scopes of manifest.yml are granted`,
    );
    expect(byName(checks, 'ANNOUNCE_CHANNEL')[0]?.detail).toBe(
      `ANNOUNCE_CHANNEL=${WS.channels.announce} (#incidents): public; @firebreak joins it when it first posts there (channels:join)`,
    );
    expect(byName(checks, 'DIGEST_CHANNEL')[0]?.detail).toContain('@firebreak is a member');
    expect(byName(checks, 'database')[0]?.detail).toContain('is writable');
    expect(byName(checks, 'schema')[0]?.detail).toBe('schema current');
    expect(byName(checks, 'disk')[0]?.status).not.toBe('fail');
  });

  it('a missing scope and a channel the bot cannot reach: each named, each with a fix', async () => {
    const granted = manifestScopes().filter((s) => s !== 'pins:write' && s !== 'channels:join');
    sim = await startSimulator({ scopes: granted });
    dir = mkdtempSync(join(tmpdir(), 'firebreak-doctor-'));
    // A private channel the bot was never invited to: Slack answers channel_not_found.
    sim.ws.addChannel('G0SECRET', 'secret-ops', [WS.users.alice, WS.users.bob], { is_private: true });
    const checks = await runDoctor(
      env({ ANNOUNCE_CHANNEL: 'G0SECRET', DIGEST_CHANNEL: WS.channels.random }),
      {
        retries: 0,
      },
    );
    const scopes = byName(checks, 'scopes')[0];
    expect(scopes).toMatchObject({ status: 'fail' });
    expect(scopes?.detail).toBe(
      'the token lacks channels:join, pins:write (manifest.yml asks for them; features that need them will fail)',
    );
    expect(scopes?.fix).toMatch(/Bot Token Scopes .* reinstall the app/);
    const announce = byName(checks, 'ANNOUNCE_CHANNEL')[0];
    expect(announce).toMatchObject({ status: 'fail' });
    expect(announce?.detail).toContain('ANNOUNCE_CHANNEL=G0SECRET: Slack answered channel_not_found');
    expect(announce?.fix).toContain('/invite @firebreak');
    // #random is public but the bot is not in it, and without channels:join it cannot join it.
    const digest = byName(checks, 'DIGEST_CHANNEL')[0];
    expect(digest).toMatchObject({
      status: 'fail',
      fix: 'type /invite @firebreak in #random, or grant channels:join (see the scopes check)',
    });
    expect(digest?.detail).toContain('is not a member and lacks channels:join');
    const text = formatChecks(checks);
    expect(text).toContain('FAIL scopes: the token lacks channels:join, pins:write');
    expect(text).toContain('     fix: ');
    expect(text).not.toContain(sim.token);
  });

  it('a channel name the bot cannot see is named', async () => {
    sim = await startSimulator();
    dir = mkdtempSync(join(tmpdir(), 'firebreak-doctor-'));
    const checks = await runDoctor(env({ ANNOUNCE_CHANNEL: 'no-such-channel' }), { retries: 0 });
    expect(byName(checks, 'ANNOUNCE_CHANNEL')[0]).toMatchObject({
      status: 'fail',
      detail: 'ANNOUNCE_CHANNEL=no-such-channel: @firebreak sees no channel named #no-such-channel',
    });
  });

  it('a refused token and an unreachable Slack name the setting and the URL tried', async () => {
    sim = await startSimulator();
    dir = mkdtempSync(join(tmpdir(), 'firebreak-doctor-'));
    const refused = await runDoctor(env({ SLACK_BOT_TOKEN: 'xoxb-not-the-right-token' }), { retries: 0 });
    expect(byName(refused, 'token')[0]).toMatchObject({
      status: 'fail',
      detail: 'Slack refused SLACK_BOT_TOKEN: invalid_auth',
    });
    const url = sim.apiUrl;
    await sim.close();
    sim = undefined;
    const gone = await runDoctor(env({ SLACK_API_URL: url, SLACK_BOT_TOKEN: 'xoxb-any' }), { retries: 0 });
    expect(byName(gone, 'token')[0]?.detail).toContain(
      `could not reach Slack at ${url.replace(/\/?$/, '/')}auth.test`,
    );
  });

  it('a malformed setting is reported as such, with where to fix it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-doctor-'));
    const checks = await runDoctor({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: 'abc' });
    expect(checks).toEqual([
      expect.objectContaining({
        name: 'config',
        status: 'fail',
        detail: expect.stringMatching(/^PORT is malformed/),
      }),
    ]);
  });
});

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WS } from '../../sim/api.js';
import type { FakeTracker } from '../../sim/trackers/base.js';
import { FakeGitHub } from '../../sim/trackers/github.js';
import { FakeJira } from '../../sim/trackers/jira.js';
import { FakeLinear } from '../../sim/trackers/linear.js';
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
let tracker: FakeTracker | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await tracker?.close();
  tracker = undefined;
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

/**
 * With TRACKER set, doctor makes the tracker's cheapest authenticated read against the fakes in
 * sim/trackers, which refuse a wrong token as the real APIs do.
 */
describe('npm run doctor: the tracker', () => {
  const GH_TOKEN = 'ghp_doctor_good_0123456789';
  const JIRA_TOKEN = 'ATATT-doctor-good-0123456789';
  const LINEAR_KEY = 'lin_api_doctor_good_0123456789';
  const TEAM = '9cfb482a-81e3-4154-b5b9-2c805e70a02d';

  async function doctor(extra: Record<string, string>): Promise<{ check: Check | undefined; text: string }> {
    sim ??= await startSimulator();
    if (!dir || !existsSync(dir)) dir = mkdtempSync(join(tmpdir(), 'firebreak-doctor-'));
    const checks = await runDoctor(env({ TRACKER_URL: tracker?.url ?? '', ...extra }), { retries: 0 });
    return { check: byName(checks, 'tracker')[0], text: formatChecks(checks) };
  }

  const github = async (opts: Partial<ConstructorParameters<typeof FakeGitHub>[0]> = {}) => {
    tracker = await FakeGitHub.start({ token: GH_TOKEN, repo: 'acme/ops', ...opts });
    return tracker as FakeGitHub;
  };
  const gh = (token: string, repo = 'acme/ops') => ({
    TRACKER: 'github',
    TRACKER_TOKEN: token,
    TRACKER_PROJECT: repo,
  });

  it('no TRACKER, no tracker check', async () => {
    const { check } = await doctor({});
    expect(check).toBeUndefined();
  });

  it('GitHub: a token that can write to the repository is ok, with one read', async () => {
    const fake = await github();
    const { check } = await doctor(gh(GH_TOKEN));
    expect(check).toMatchObject({ status: 'ok' });
    expect(check?.detail).toBe(
      'GitHub accepted the token; acme/ops has issues, and the token may write (push)',
    );
    expect(fake.server.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /repos/acme/ops']);
  });

  it('GitHub: a refused token is named with its fix, and never printed', async () => {
    await github();
    const bad = 'ghp_doctor_revoked_9876543210';
    const { check, text } = await doctor(gh(bad));
    expect(check).toMatchObject({
      status: 'fail',
      detail: 'GitHub refused TRACKER_TOKEN (401 Bad credentials)',
    });
    expect(check?.fix).toContain('put it in TRACKER_TOKEN');
    expect(text).toContain('FAIL tracker: GitHub refused TRACKER_TOKEN');
    expect(text).not.toContain(bad);
    expect(text).not.toContain(GH_TOKEN);
  });

  it('GitHub: a repository the token cannot see, and one it can only read', async () => {
    await github();
    const missing = await doctor(gh(GH_TOKEN, 'acme/nope'));
    expect(missing.check).toMatchObject({
      status: 'fail',
      detail: 'GitHub answers 404 for acme/nope: no such repository, or the token cannot see it',
    });
    expect(missing.check?.fix).toContain('TRACKER_PROJECT');
    await tracker?.close();
    await github({ permissions: { admin: false, maintain: false, push: false, triage: false, pull: true } });
    const readOnly = await doctor(gh(GH_TOKEN));
    expect(readOnly.check).toMatchObject({ status: 'fail' });
    expect(readOnly.check?.detail).toContain('permissions.push is false');
    expect(readOnly.check?.fix).toBe("give the token's user triage or write access to acme/ops");
  });

  const jira = (token: string, extra: Record<string, string> = {}) => ({
    TRACKER: 'jira',
    TRACKER_EMAIL: 'firebreak@example.com',
    TRACKER_TOKEN: token,
    TRACKER_PROJECT: 'OPS',
    ...extra,
  });

  it('Jira: myself and the project are ok; a refused token names the fix', async () => {
    tracker = await FakeJira.start({ email: 'firebreak@example.com', token: JIRA_TOKEN, project: 'OPS' });
    const fake = tracker as FakeJira;
    const ok = await doctor(jira(JIRA_TOKEN));
    expect(ok.check).toMatchObject({
      status: 'ok',
      detail:
        'Jira accepted the token (as Mia Krystof); project OPS (Operations) is visible and has issue type Task',
    });
    expect(fake.server.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /rest/api/3/myself',
      'GET /rest/api/3/project/OPS',
    ]);
    const bad = 'ATATT-doctor-revoked-987654';
    const refused = await doctor(jira(bad));
    expect(refused.check).toMatchObject({ status: 'fail' });
    expect(refused.check?.detail).toContain(
      'refused TRACKER_EMAIL firebreak@example.com with TRACKER_TOKEN (401)',
    );
    expect(refused.check?.fix).toContain('id.atlassian.com/manage-profile/security/api-tokens');
    expect(refused.text).not.toContain(bad);
  });

  it('Jira: an unknown project and a missing issue type are named', async () => {
    tracker = await FakeJira.start({ email: 'firebreak@example.com', token: JIRA_TOKEN, project: 'OPS' });
    const missing = await doctor(jira(JIRA_TOKEN, { TRACKER_PROJECT: 'OPZ' }));
    expect(missing.check).toMatchObject({ status: 'fail' });
    expect(missing.check?.detail).toContain('answered 404 for project OPZ');
    expect(missing.check?.fix).toContain('TRACKER_PROJECT');
    const type = await doctor(jira(JIRA_TOKEN, { TRACKER_ISSUE_TYPE: 'Incident follow-up' }));
    expect(type.check).toMatchObject({
      status: 'fail',
      detail: 'project OPS has no issue type "Incident follow-up" (it has Task, Bug, Story)',
      fix: 'set TRACKER_ISSUE_TYPE to one of them',
    });
  });

  const linear = (key: string, team = TEAM) => ({
    TRACKER: 'linear',
    TRACKER_TOKEN: key,
    TRACKER_PROJECT: team,
  });

  it('Linear: the viewer and the team are ok; a refused key and an unknown team are named', async () => {
    tracker = await FakeLinear.start({ apiKey: LINEAR_KEY, teamId: TEAM, teamKey: 'ENG' });
    const ok = await doctor(linear(LINEAR_KEY));
    expect(ok.check).toMatchObject({
      status: 'ok',
      detail: 'Linear accepted the key (as Firebreak Bot); team ENG (Engineering) is visible',
    });
    const bad = 'lin_api_doctor_revoked_987654';
    const refused = await doctor(linear(bad));
    expect(refused.check).toMatchObject({ status: 'fail' });
    expect(refused.check?.detail).toContain('Linear refused TRACKER_TOKEN');
    expect(refused.check?.detail).toContain('AUTHENTICATION_ERROR');
    expect(refused.check?.fix).toContain('personal API key');
    expect(refused.text).not.toContain(bad);
    const team = await doctor(linear(LINEAR_KEY, 'not-the-team'));
    expect(team.check).toMatchObject({ status: 'fail' });
    expect(team.check?.detail).toContain('but not team not-the-team');
    expect(team.check?.fix).toContain('TRACKER_PROJECT');
  });

  it('an unreachable tracker is named with the URL tried', async () => {
    tracker = await FakeGitHub.start({ token: GH_TOKEN, repo: 'acme/ops' });
    const url = tracker.url;
    await tracker.close();
    tracker = undefined;
    const { check } = await doctor({ ...gh(GH_TOKEN), TRACKER_URL: url });
    expect(check).toMatchObject({ status: 'fail' });
    expect(check?.detail).toContain(`could not reach GitHub at ${url}`);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadRecurrenceMinConfidence } from '../../src/config.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 's3cret-signing' };

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const c = loadConfig(base);
    expect(c.PORT).toBe(3000);
    expect(c.SLACK_API_URL).toBe('https://slack.com/api/');
    expect(c.DATABASE_PATH).toBe('./data/firebreak.db');
    expect(c.DIGEST_CRON).toBe('0 9 * * 1');
    expect(c.DIGEST_TZ).toBe('UTC');
    expect(c.LOG_LEVEL).toBe('info');
    expect(c.CAPTURE_EMOJI).toEqual(['pushpin']);
  });

  it('reads the recurrence warning threshold as a probability; unset means the trained default', () => {
    expect(loadConfig(base).RECURRENCE_MIN_CONFIDENCE).toBeUndefined();
    expect(loadConfig({ ...base, RECURRENCE_MIN_CONFIDENCE: '0.1' }).RECURRENCE_MIN_CONFIDENCE).toBe(0.1);
    expect(loadRecurrenceMinConfidence({ RECURRENCE_MIN_CONFIDENCE: '0.2' })).toBe(0.2);
    expect(() => loadRecurrenceMinConfidence({ RECURRENCE_MIN_CONFIDENCE: '-1' })).toThrowError(
      /^RECURRENCE_MIN_CONFIDENCE is malformed/,
    );
  });

  it('names a missing signing secret in HTTP mode, on one line', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrowError(
      /^SLACK_SIGNING_SECRET is missing: expected .*HTTP mode/,
    );
  });

  it('does not need the signing secret in Socket Mode', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-2' }).SLACK_APP_TOKEN).toBe(
      'xapp-1-2',
    );
  });

  it.each([
    ['PORT', 'eighty'],
    ['DIGEST_TZ', 'Mars/Olympus'],
    ['DIGEST_CRON', '* *'],
    ['LOG_LEVEL', 'loud'],
    ['ANNOUNCE_CHANNEL', '#General Chat'],
    ['SLACK_API_URL', 'not a url'],
    ['RECURRENCE_MIN_CONFIDENCE', '1.5'],
    ['RECURRENCE_MIN_CONFIDENCE', 'high'],
  ])('refuses a malformed %s without echoing it', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ ...base, [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg.startsWith(`${name} is malformed: expected`)).toBe(true);
    expect(msg).not.toContain('\n');
  });

  it('accepts a channel by ID or by name (resolved to its ID at start-up)', () => {
    expect(loadConfig({ ...base, ANNOUNCE_CHANNEL: 'C0123ABCD' }).ANNOUNCE_CHANNEL).toBe('C0123ABCD');
    expect(loadConfig({ ...base, ANNOUNCE_CHANNEL: '#incidents' }).ANNOUNCE_CHANNEL).toBe('#incidents');
    expect(loadConfig({ ...base, DIGEST_CHANNEL: 'eng-leads' }).DIGEST_CHANNEL).toBe('eng-leads');
  });

  it('reads PORT as a number and LOG_LEVEL in any case', () => {
    expect(loadConfig({ ...base, PORT: '8080' }).PORT).toBe(8080);
    expect(loadConfig({ ...base, LOG_LEVEL: 'INFO' }).LOG_LEVEL).toBe('info');
    expect(loadConfig({ ...base, LOG_LEVEL: 'Debug' }).LOG_LEVEL).toBe('debug');
    expect(() => loadConfig({ ...base, PORT: '70000' })).toThrow(
      /^PORT is malformed: expected a port number from 0 to 65535/,
    );
  });

  it('never puts a malformed token in the message', () => {
    expect(() => loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxp-secret-user-token' })).toThrowError(
      /^SLACK_BOT_TOKEN is malformed/,
    );
    try {
      loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxp-secret-user-token' });
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-user-token');
    }
  });
});

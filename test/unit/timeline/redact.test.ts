import { describe, expect, it } from 'vitest';
import { addTimelineEvent } from '../../../src/incidents/add-timeline-event.js';
import { redactSecrets } from '../../../src/timeline/redact.js';
import { makeIncident, testDb } from '../../helpers/db.js';

describe('redactSecrets', () => {
  const cases: [string, string, string][] = [
    ['slack bot token', 'token is xoxb-1234567890-abcdefghij now', 'xoxb-1234567890'],
    ['slack app token', 'xapp-1-A0123-4567-abcdef', 'xapp-1-A0123'],
    ['aws access key', 'key AKIAIOSFODNN7EXAMPLE leaked', 'AKIAIOSFODNN7EXAMPLE'],
    [
      'aws secret key',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ],
    ['password in url', 'db at postgres://admin:hunter2secret@db.internal:5432/app', 'hunter2secret'],
    ['password in slack link', '<https://bob:s3cr3tpw@example.com/x|the dashboard>', 's3cr3tpw'],
    ['bearer token', 'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def"', 'eyJhbGciOiJIUzI1NiJ9'],
    [
      'private key block',
      'here:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----\nthanks',
      'MIIEowIBAAKCAQEA',
    ],
    [
      'cut-off private key',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA',
      'b3BlbnNzaC1rZXkt',
    ],
    ['github token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'ghp_abcdefghijklmnop'],
    ['password=', 'set password=CorrectHorse9 on the replica', 'CorrectHorse9'],
  ];
  for (const [name, input, secret] of cases) {
    it(`redacts a ${name}`, () => {
      const r = redactSecrets(input);
      expect(r.redacted).toBe(true);
      expect(r.text).not.toContain(secret);
      expect(r.text).toContain('[redacted');
    });
  }

  it('keeps the text around the secret and ordinary text untouched', () => {
    expect(redactSecrets('db at postgres://admin:pw12345@db:5432').text).toBe(
      'db at postgres://admin:[redacted password]@db:5432',
    );
    const plain = 'Checkout 502s since 14:05; rolled back deploy 4411 at https://deploys.example.com/4411';
    expect(redactSecrets(plain)).toEqual({ text: plain, redacted: false, kinds: [] });
  });

  it('is applied by addTimelineEvent to every entry, which is flagged redacted', () => {
    const db = testDb();
    const inc = makeIncident(db);
    const { event } = addTimelineEvent(db, {
      incidentId: inc.id,
      kind: 'note',
      text: 'use xoxb-1111111111-2222222222-abcdefabcdef',
      occurredAt: new Date(),
      recordedAt: new Date(),
    });
    expect(event.text).toBe('use [redacted slack-token]');
    expect(event.redacted).toBe(true);
  });
});

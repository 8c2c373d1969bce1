import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema, loadConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import { helpText } from '../../src/slack/listeners/commands/help.js';
import { allSubcommands } from '../../src/slack/listeners/commands/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const deps = {
  config: loadConfig({ SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 'secret' }),
} as unknown as Deps;

describe('README', () => {
  const subs = allSubcommands(deps);

  it('lists every /incident subcommand, and help lists the same ones', () => {
    const help = helpText(subs);
    for (const s of subs) {
      expect(readme, `README is missing /incident ${s.name}`).toContain(`\`/incident ${s.name}`);
      expect(help).toContain(`/incident ${s.name}`);
    }
  });

  it('names no subcommand that does not exist', () => {
    const names = new Set(subs.flatMap((s) => [s.name, ...(s.aliases ?? [])]));
    const table = readme.slice(readme.indexOf('## `/incident` subcommands'));
    const mentioned = [...table.matchAll(/^\| `\/incident ([a-z]+)/gm)].map((m) => m[1]);
    expect(mentioned.length).toBeGreaterThan(5);
    for (const m of mentioned) expect(names.has(m ?? ''), `README names /incident ${m}`).toBe(true);
  });

  it('documents every configuration variable', () => {
    for (const name of Object.keys(envSchema.shape)) expect(readme).toContain(`\`${name}\``);
  });
});

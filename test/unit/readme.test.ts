import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allSubcommands } from '../../src/app.js';
import { envSchema, loadConfig } from '../../src/config.js';
import type { Deps } from '../../src/runtime/deps.js';
import { helpText } from '../../src/slack/command/help.js';

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

  it('has a Configuration row and an .env.example line for every variable, and no others', () => {
    const config = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Install guide'));
    const rows = new Set([...config.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const lines = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const known = new Set([...Object.keys(envSchema.shape), 'ENV_FILE']);
    for (const name of known) {
      expect(rows.has(name), `README's Configuration has no row for ${name}`).toBe(true);
      expect(lines.has(name), `.env.example does not mention ${name}`).toBe(true);
    }
    for (const name of rows) expect(known.has(name ?? ''), `README documents unknown ${name}`).toBe(true);
    for (const name of lines) expect(known.has(name ?? ''), `.env.example sets unknown ${name}`).toBe(true);
  });
});

/** `files.filter(`, `users.map(` … are arrays, not Web API calls (`conversations.join(` is one). */
const ARRAYS = new Set(['files', 'users', 'reactions', 'pins', 'bookmarks']);
const ARRAY_METHODS = new Set(
  'at concat entries every filter find flatMap forEach includes indexOf join keys length map push reduce slice some sort values'.split(
    ' ',
  ),
);

describe('README: How Firebreak uses Slack', () => {
  /** Web API methods called anywhere in src/ (the simulator lives in sim/), as `client.chat.postMessage(`. */
  function methodsCalled(): string[] {
    const root = new URL('../../src/', import.meta.url);
    const found = new Set<string>();
    const walk = (dir: URL) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) {
          walk(new URL(`${e.name}/`, dir));
        } else if (e.name.endsWith('.ts')) {
          const text = readFileSync(new URL(e.name, dir), 'utf8');
          // Nested names too: `client.conversations.canvases.create(`, `client.canvases.access.set(`.
          for (const m of text.matchAll(
            /\.(auth|bookmarks|canvases|chat|conversations|files|pins|reactions|users|views)((?:\.[a-zA-Z0-9]+)+)\(/g,
          ))
            if (!(ARRAYS.has(m[1] ?? '') && ARRAY_METHODS.has((m[2] ?? '').slice(1))))
              found.add(`${m[1]}${m[2]}`);
          for (const m of text.matchAll(/\.apiCall\('([a-z]+\.[a-zA-Z.]+)'/g)) found.add(m[1] ?? '');
        }
      }
    };
    walk(root);
    return [...found].sort();
  }

  it('has a row for every Web API method the bot calls', () => {
    const section = readme.slice(readme.indexOf('## How Firebreak uses Slack'));
    const table = section.slice(0, section.indexOf('\n## '));
    const methods = methodsCalled();
    expect(methods).toContain('chat.postMessage');
    for (const m of methods) {
      const [family, name] = m.split('.');
      // A row may name sibling methods together: `conversations.setPurpose` / `setTopic`.
      const named = table.includes(`\`${m}\``) || new RegExp(`\`${family}\\.[^|]*\`${name}\``).test(table);
      expect(named, `README's Slack table is missing ${m}`).toBe(true);
    }
  });
});

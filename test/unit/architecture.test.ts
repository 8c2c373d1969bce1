import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The dependency rules of DESIGN.md ("Layout") are Biome rules in biome.json, run by `npm run lint`.
 * Here the project's own biome.json lints a small tree with one deliberate violation per rule, and
 * files that keep the rules, so a rule that stops firing (a renamed folder, a loosened pattern) fails.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');

const FILES: Record<string, string> = {
  // Violations.
  'src/lifecycle/imports-bolt.ts': "import type { App } from '@slack/bolt';\nexport type A = App;\n",
  'src/lifecycle/imports-platform.ts': "import { safe } from '../slack/format.js';\nexport const f = safe;\n",
  'src/lifecycle/imports-own-glue.ts': "import { setup } from './slack/setup.js';\nexport const f = setup;\n",
  'src/timeline/imports-other-glue.ts':
    "import { setup } from '../lifecycle/slack/setup.js';\nexport const f = setup;\n",
  'src/runtime/imports-web-api.ts':
    "import type { WebClient } from '@slack/web-api';\nexport type C = WebClient;\n",
  'src/lifecycle/slack/imports-sim.ts':
    "import { sim } from '../../../sim/index.js';\nexport const f = sim;\n",
  'src/slack/names-a-feature.ts':
    "import { declare } from '../lifecycle/declare.js';\nexport const f = declare;\n",
  'src/incidents/cycle-a.ts': "import { b } from './cycle-b.js';\nexport const a = (): unknown => b;\n",
  'src/incidents/cycle-b.ts': "import { a } from './cycle-a.js';\nexport const b = (): unknown => a;\n",
  // Allowed: glue may use Slack, the platform and the feature's own verbs; domain may use the core.
  'src/lifecycle/slack/setup.ts':
    "import type { App } from '@slack/bolt';\nimport { safe } from '../../slack/format.js';\nimport { declare } from '../declare.js';\nexport const setup = [safe, declare] as unknown as App;\n",
  'src/lifecycle/declare.ts':
    "import { model } from '../incidents/model.js';\nexport const declare = model;\n",
  'src/incidents/model.ts': 'export const model = 1;\n',
  'src/slack/format.ts': "import { model } from '../incidents/model.js';\nexport const safe = model;\n",
  'src/app.ts':
    "import { App } from '@slack/bolt';\nimport { setup } from './lifecycle/slack/setup.js';\nexport const app = [App, setup];\n",
};

interface Diagnostic {
  category: string;
  location: { path: string };
}

let dir = '';
let found: Diagnostic[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-arch-'));
  copyFileSync(join(ROOT, 'biome.json'), join(dir, 'biome.json'));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  let out: string;
  try {
    out = execFileSync(
      BIOME,
      ['lint', '--vcs-enabled=false', '--reporter=json', '--max-diagnostics=none', '.'],
      {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
  } catch (e) {
    // Biome exits 1 when it reports errors, which is the point here.
    out = (e as { stdout: string }).stdout;
  }
  found = (JSON.parse(out) as { diagnostics: Diagnostic[] }).diagnostics;
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function rulesFor(path: string): string[] {
  return found.filter((d) => d.location.path === path).map((d) => d.category);
}

describe('dependency rules (biome.json, run by npm run lint)', () => {
  it.each([
    ['src/lifecycle/imports-bolt.ts', 'a verb importing @slack/*'],
    ['src/lifecycle/imports-platform.ts', 'a verb importing src/slack'],
    ['src/lifecycle/imports-own-glue.ts', "a verb importing its own feature's slack/"],
    ['src/timeline/imports-other-glue.ts', "a verb importing another feature's slack/"],
    ['src/runtime/imports-web-api.ts', 'the runtime importing @slack/*'],
    ['src/lifecycle/slack/imports-sim.ts', 'bot code importing the simulator'],
    ['src/slack/names-a-feature.ts', 'the Slack platform naming a feature'],
  ])('refuses %s (%s)', (path) => {
    expect(rulesFor(path)).toContain('lint/style/noRestrictedImports');
  });

  it('refuses an import cycle', () => {
    expect(rulesFor('src/incidents/cycle-a.ts')).toContain('lint/suspicious/noImportCycles');
    expect(rulesFor('src/incidents/cycle-b.ts')).toContain('lint/suspicious/noImportCycles');
  });

  it.each(['src/lifecycle/slack/setup.ts', 'src/lifecycle/declare.ts', 'src/slack/format.ts', 'src/app.ts'])(
    'accepts %s, which keeps the rules',
    (path) => {
      expect(rulesFor(path)).toEqual([]);
    },
  );
});

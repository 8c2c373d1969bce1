import { readFileSync } from 'node:fs';

/**
 * The node flags and environment `npm start` runs the bot with, read from package.json's `start`
 * script, so the benches measure the bot as it is deployed (the image and the systemd unit set the
 * same) and cannot drift from it: `{ env: { MALLOC_ARENA_MAX: '2', … }, flags: ['--max-semi-space-size=1', …],
 * args: [...flags, 'dist/src/main.mjs'] }` (the start-up test runs `args` as they are).
 */
export function startCommand(): { env: Record<string, string>; flags: string[]; args: string[] } {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = (pkg.scripts.start ?? '').split(/\s+/).filter(Boolean);
  const env: Record<string, string> = {};
  while (words[0]?.includes('=')) {
    const [k, v] = (words.shift() ?? '').split('=');
    if (k) env[k] = v ?? '';
  }
  const [bin, ...args] = words;
  if (bin !== 'node') throw new Error(`npm start is expected to run node, not ${bin}`);
  return { env, flags: args.filter((a) => a.startsWith('--')), args };
}

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Builds the bundle `npm start` runs (dist/src, `npm run build`: esbuild, about half a second) once,
 * before any test file: the tests that start the bot as a process (test/helpers/child-bot.ts,
 * startup.test.ts) run that bundle, as production does, instead of compiling src/ with tsx in every
 * child (about a second more per start). Built here, not in a test file, so no worker rebuilds it while
 * another starts a bot from it. `vitest --watch` does not rebuild: restart it after changing src/.
 */
export default function setup(): void {
  execFileSync('npm', ['run', '--silent', 'build'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: 'inherit',
  });
}

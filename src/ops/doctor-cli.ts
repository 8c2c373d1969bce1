import { loadDotEnv } from '../config.js';
import { formatChecks, runDoctor } from './doctor.js';

/** `npm run doctor` (see doctor.ts). Exit 1 when any check failed. */
async function cli(): Promise<number> {
  try {
    loadDotEnv();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  const checks = await runDoctor(process.env);
  process.stdout.write(`${formatChecks(checks)}\n`);
  const failed = checks.filter((c) => c.status === 'fail').length;
  process.stdout.write(failed > 0 ? `${failed} problem(s) to fix\n` : 'all checks passed\n');
  return failed > 0 ? 1 : 0;
}

cli().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`firebreak doctor failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);

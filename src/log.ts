import { type Logger, LogLevel } from '@slack/bolt';

/**
 * One structured logger (JSON lines on stderr) for the bot and Bolt. Every line passes through
 * `redactSecrets`, so a token that reaches a log message by accident is masked.
 */
const SECRET_PATTERNS: RegExp[] = [
  /xox[abposr]-[A-Za-z0-9-]+/g,
  /xapp-[A-Za-z0-9-]+/g,
  /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi,
  /(signing[_ ]?secret["'=:\s]+)[A-Za-z0-9]+/gi,
];

export function redactSecrets(text: string, extra: readonly string[] = []): string {
  let out = text;
  for (const s of extra) if (s.length >= 6) out = out.split(s).join('[redacted]');
  for (const re of SECRET_PATTERNS)
    out = out.replace(re, (_m, p1?: string) => (typeof p1 === 'string' ? `${p1}[redacted]` : '[redacted]'));
  return out;
}

const ORDER: Record<LogLevel, number> = {
  [LogLevel.DEBUG]: 10,
  [LogLevel.INFO]: 20,
  [LogLevel.WARN]: 30,
  [LogLevel.ERROR]: 40,
};

export type LogSink = (line: string) => void;

export interface AppLogger extends Logger {
  /** Secrets that must never be printed (the configured token and signing secret). */
  addSecrets(...secrets: (string | undefined)[]): void;
}

function stringify(arg: unknown): string {
  if (arg instanceof Error) return `${arg.name}: ${arg.message}${arg.stack ? `\n${arg.stack}` : ''}`;
  if (typeof arg === 'string') return arg;
  try {
    return JSON.stringify(arg);
  } catch {
    return String(arg);
  }
}

export function createLogger(
  level: string = 'info',
  sink: LogSink = (l) => process.stderr.write(`${l}\n`),
  name = 'firebreak',
): AppLogger {
  let current = (Object.values(LogLevel) as string[]).includes(level) ? (level as LogLevel) : LogLevel.INFO;
  let loggerName = name;
  const secrets: string[] = [];
  const emit = (lvl: LogLevel, args: unknown[]) => {
    if (ORDER[lvl] < ORDER[current]) return;
    const msg = args.map(stringify).join(' ');
    sink(
      redactSecrets(
        JSON.stringify({ time: new Date().toISOString(), level: lvl, name: loggerName, msg }),
        secrets,
      ),
    );
  };
  return {
    debug: (...a: unknown[]) => emit(LogLevel.DEBUG, a),
    info: (...a: unknown[]) => emit(LogLevel.INFO, a),
    warn: (...a: unknown[]) => emit(LogLevel.WARN, a),
    error: (...a: unknown[]) => emit(LogLevel.ERROR, a),
    setLevel: (l: LogLevel) => {
      current = l;
    },
    getLevel: () => current,
    setName: (n: string) => {
      loggerName = n;
    },
    addSecrets: (...s: (string | undefined)[]) => {
      for (const x of s) if (x) secrets.push(x);
    },
  };
}

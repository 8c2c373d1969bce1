/**
 * Likely secrets are cut out of anything the timeline stores. People paste tokens and keys into
 * incident channels under pressure; the timeline is exported, indexed and kept for years, so a
 * secret must never reach it. Patterns err on the side of redacting: a false positive costs a few
 * characters of a postmortem, a false negative leaks a credential.
 */
export interface Redaction {
  text: string;
  redacted: boolean;
  /** Which kinds were found, e.g. ['slack-token', 'aws-key']; never the secrets themselves. */
  kinds: string[];
}

interface Rule {
  kind: string;
  re: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

const mark = (kind: string) => `[redacted ${kind}]`;

const RULES: Rule[] = [
  {
    // A whole PEM block, or from BEGIN to the end of the text when the paste was cut off.
    kind: 'private-key',
    re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    replace: () => mark('private-key'),
  },
  {
    kind: 'slack-token',
    re: /\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{8,}/g,
    replace: () => mark('slack-token'),
  },
  {
    kind: 'slack-webhook',
    re: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+/g,
    replace: () => mark('slack-webhook'),
  },
  {
    kind: 'aws-key',
    re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
    replace: () => mark('aws-key'),
  },
  {
    // The 40-character secret access key, recognised by the name it is usually pasted with.
    kind: 'aws-secret',
    re: /\b(aws_?secret_?access_?key|secret_?access_?key|aws_?secret)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{30,}/gi,
    replace: (_m, name = '', sep = '') => `${name}${sep}${mark('aws-secret')}`,
  },
  {
    kind: 'github-token',
    re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b/g,
    replace: () => mark('github-token'),
  },
  {
    kind: 'bearer-token',
    re: /\b(Bearer|Basic)(\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi,
    replace: (_m, scheme = '', space = ' ') => `${scheme}${space}${mark('token')}`,
  },
  {
    // scheme://user:password@host, also inside Slack's <url|label> markup.
    kind: 'url-password',
    re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@<>|]+:)([^\s@/<>|]+)@/gi,
    replace: (_m, head = '') => `${head}${mark('password')}@`,
  },
  {
    kind: 'password',
    re: /\b(password|passwd|pwd|api[_-]?key|secret[_-]?key|client[_-]?secret)(["']?\s*[:=]\s*["']?)(?!\[redacted)[^\s"',;]{4,}/gi,
    replace: (_m, name = '', sep = '') => `${name}${sep}${mark('password')}`,
  },
];

export function redactSecrets(input: string): Redaction {
  let text = input;
  const kinds: string[] = [];
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    if (!rule.re.test(text)) continue;
    rule.re.lastIndex = 0;
    text = text.replace(rule.re, rule.replace as (substring: string, ...args: unknown[]) => string);
    kinds.push(rule.kind);
  }
  return { text, redacted: kinds.length > 0, kinds };
}

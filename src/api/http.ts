import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { ApiError } from './service.js';

/** Largest request body the API reads: a declare with every field at its limit is under 10 KiB. */
export const API_BODY_LIMIT = 64 * 1024;

export { sendJson } from '../ops/routes.js';

/** zod's issues as `field: message` lines a person can act on. */
export function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      return { path: path || '(body)', message: `unknown field(s): ${i.keys.join(', ')}` };
    }
    return { path: path || '(body)', message: i.message };
  });
}

export function invalidRequest(what: string, error: z.ZodError): ApiError {
  const issues = issuesOf(error);
  return new ApiError(400, `${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

/**
 * The JSON body, refused before it is parsed when it is too large (413, by Content-Length or by what
 * actually arrives), not JSON by its Content-Type (415), or not valid JSON (400).
 */
export async function readJson(req: IncomingMessage, limit = API_BODY_LIMIT): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new ApiError(413, `The body is ${declared} bytes; the limit is ${limit}.`);
  }
  // Read by events, not `for await`: leaving an async iterator early destroys the socket, and the
  // client would see a reset instead of the 413. The rest of an oversized body is drained unread.
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    const got: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        got.length = 0;
        reject(new ApiError(413, `The body is over the limit of ${limit} bytes.`));
        return;
      }
      got.push(chunk);
    });
    req.on('end', () => resolve(got));
    req.on('error', reject);
    // A client gone mid-body: no 'end' would come, and the handler must not wait forever.
    req.on('close', () => reject(new ApiError(400, 'The request body was cut off.')));
  });
  if (type !== 'application/json') {
    throw new ApiError(415, 'Send the body as JSON with Content-Type: application/json.');
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new ApiError(400, 'The body is empty; send a JSON object.');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, `The body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Query parameters as a plain object; a parameter given twice is refused rather than guessed at. */
export function queryOf(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (k in out) {
      throw new ApiError(400, `query parameter ${k} is given twice; use one, comma-separated`, [
        { path: k, message: 'given twice' },
      ]);
    }
    out[k] = v;
  }
  return out;
}

/**
 * Errors a person can act on. A listener maps them to an ephemeral reply, or, when `field`
 * names a modal input block, to `response_action: "errors"` on that block.
 */
export type DomainErrorCode =
  | 'not_found'
  | 'not_member'
  | 'forbidden'
  | 'invalid_input'
  | 'invalid_state'
  | 'conflict'
  | 'slack_failed';

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** The modal block_id this error belongs to, when it came from a form field. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

export function invalid(message: string, field?: string): DomainError {
  return new DomainError('invalid_input', message, field);
}

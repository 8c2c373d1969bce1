import type { Sender, Simulator } from './api.js';

export interface SenderOptions {
  botUrl: string;
  signingSecret: string;
  sim?: Simulator;
}

/** Signed-request sender. Implementation landing shortly. */
export const SlackSender = class {
  constructor(_opts: SenderOptions) {
    throw new Error('sender: implementation landing shortly');
  }
} as unknown as new (
  opts: SenderOptions,
) => Sender;

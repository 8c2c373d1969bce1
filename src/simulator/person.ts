import type { Person, Sender, Simulator } from './api.js';

/** A simulated person. Implementation landing shortly. */
export const SimPerson = class {
  constructor(_id: string, _sim: Simulator, _send: Sender) {
    throw new Error('person: implementation landing shortly');
  }
} as unknown as new (
  id: string,
  sim: Simulator,
  send: Sender,
) => Person;

export * from './api.js';
export { validateBlocks, validateView } from './blockkit.js';
export { SimPerson } from './person.js';
export { type SenderOptions, SlackSender, SlowAnswerError, signRequest } from './sender.js';
export type * from './types.js';
export { readManifest, SimulatorImpl, startSimulator } from './web-api.js';

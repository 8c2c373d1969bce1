export * from './api.js';
export { SimPerson } from './person.js';
export { type SenderOptions, SlackSender } from './sender.js';
export type * from './types.js';
export { startSimulator } from './web-api.js';

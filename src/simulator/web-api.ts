import type { Simulator, SimulatorOptions } from './api.js';

/** Starts the local Slack Web API on 127.0.0.1 (random port). Implementation landing shortly. */
export async function startSimulator(_opts: SimulatorOptions = {}): Promise<Simulator> {
  throw new Error('simulator: implementation landing shortly');
}

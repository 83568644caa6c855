/**
 * beamish: Erlang-style processes for TypeScript, and Gun on them.
 * The runtime's functions are exported here as they are; the Gun client as
 * the namespace `gun` (also importable alone from 'beamish/gun').
 */

export * as gun from './gun/index.js';
export * from './runtime/index.js';

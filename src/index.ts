/** beamish: Erlang-style processes for TypeScript. The runtime is re-exported here. */
export * from './runtime/index.js';

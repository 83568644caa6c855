/**
 * beamish: Erlang-style processes for TypeScript, and Gun on them.
 * The runtime's functions and the OTP behaviours are exported here as they
 * are (also importable alone from 'beamish/runtime' and 'beamish/otp'); the
 * Gun client as the namespace `gun` (also 'beamish/gun').
 *
 * @packageDocumentation
 */

export * as gun from './gun/index.js';
export * from './otp/index.js';
export * from './runtime/index.js';

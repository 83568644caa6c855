/**
 * beamish/runtime: Erlang-style processes for TypeScript.
 * See docs/runtime.md for the guide and the Erlang ↔ beamish table.
 *
 * @packageDocumentation
 */
export { alias, unalias } from './aliases.js';
export {
  BadArgError,
  ConcurrentReceiveError,
  exitReasonOf,
  NoProcError,
  ProcessExit,
  ReceiveTimeout,
} from './errors.js';
export { ErlangAtom, ErlangList, ErlangString, errorStacks, formatTerm } from './format.js';
export { makeRef, Pid, Ref } from './ids.js';
export {
  isAlive,
  node,
  type ProcessInfo,
  type ProcessInfoExtended,
  type ProcessInfoOptions,
  processes,
  processInfo,
  self,
  selfSignal,
  setLabel,
} from './info.js';
export { configure, type MessageMode, type RuntimeOptions } from './isolation.js';
export { type CrashReport, consoleLogger, type Logger, setLogger } from './logger.js';
export { nameAt } from './name-at.js';
export {
  _,
  anyArray,
  anyBigint,
  anyBoolean,
  anyBuffer,
  anyNumber,
  anyPid,
  anyRef,
  anyString,
  guard,
  instanceOf,
  type Matched,
  type Matcher,
  match,
  where,
} from './pattern.js';
export { Clause, flush, on, type Received, receive, receiveNow, type SyncReceived, sleep } from './receive.js';
export { register, registered, unregister, whereis } from './registry.js';
export { send } from './send.js';
export {
  type DemonitorOptions,
  demonitor,
  exit,
  link,
  type MonitorOptions,
  monitor,
  type ProcessFlag,
  processFlag,
  unlink,
} from './signals.js';
export { type ProcessFn, run, type SpawnOptions, spawn, spawnLink, spawnMonitor } from './spawn.js';
export { cancelTimer, readTimer, sendAfter, startTimer } from './timers.js';
export {
  isTraced,
  type TraceFlag,
  type TraceMessage,
  type TraceOptions,
  trace,
  traceCall,
  traceInfo,
} from './trace.js';

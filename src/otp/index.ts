/**
 * beamish/otp: OTP's behaviours on beamish processes — GenServer,
 * GenStatem, Supervisor — with `sys`-style introspection and a tracer that
 * prints what processes do. Built only on beamish/runtime's public API.
 * See docs/otp.md for the guide and the Erlang/Elixir ↔ beamish table.
 *
 * @packageDocumentation
 */
export type { Awaitable } from './awaitable.js';
export { type From, reply, type ServerRef } from './call.js';
export { CallError, StartError } from './errors.js';
export {
  type Action,
  type CallResult,
  type CallSpec,
  GenServer,
  type InitResult,
  type NoReplyResult,
  type ReplyOf,
  type ServerPid,
  type UntypedServerRef,
} from './gen-server.js';
export { GenStatem } from './gen-statem.js';
export type {
  CallbackMode,
  EnterAction,
  EnterEvent,
  EventType,
  GenericTimeoutType,
  HandleEvent,
  ReplyAction,
  StateCallbackResult,
  StateEvent,
  StateFunction,
  StatemAction,
  StatemActions,
  StatemInitResult,
  TimeoutAction,
  TimeoutEventType,
} from './gen-statem-types.js';
export type { StartOptions } from './start.js';
export {
  type ChildArg,
  type ChildCounts,
  type ChildInfo,
  type ChildSpec,
  type ChildType,
  type FullChildSpec,
  type RestartType,
  type Shutdown,
  type SimpleSupervisorSpec,
  type StartFunction,
  type StartResult,
  type StaticSupervisorSpec,
  type Strategy,
  Supervisor,
  SupervisorError,
  type SupervisorModule,
  type SupervisorOptions,
  type SupervisorPid,
  type SupervisorRef,
  type SupervisorReport,
  type SupervisorSpec,
  type SupervisorState,
} from './supervisor.js';
export { getState, replaceState, type Statistics, statistics } from './sys.js';
export { formatTraceMessage, startTracer, type TracerOptions } from './tracer.js';

import type { Proc } from './process.js';

/**
 * Trace flags as bits of `Proc.traceFlags`, and the one function that hands
 * a trace message to a tracer. A process nobody traces has flags 0, and
 * every hook in the runtime is one test of that field.
 */

export const TRACE_SEND = 1;
export const TRACE_RECEIVE = 2;
export const TRACE_PROCS = 4;
export const TRACE_CALL = 8;
export const TRACE_SET_ON_SPAWN = 16;

// A tracer that is itself traced for `receive` would trace the trace
// messages it gets, and so on without end; Erlang never traces a trace
// message, and neither do we.
let emitting = false;

/** Delivers `message` to the tracer of `proc`, if it still has a live one. */
export function emitTrace(proc: Proc, message: unknown): void {
  const tracer = proc.tracer;
  if (tracer === undefined || emitting) return;
  if (!tracer.alive) {
    // Erlang turns tracing off when the tracer dies.
    proc.traceFlags = 0;
    proc.tracer = undefined;
    return;
  }
  emitting = true;
  try {
    tracer.deliver(message);
  } finally {
    emitting = false;
  }
}

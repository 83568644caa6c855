/**
 * beamish/observer: a live view of a running program's processes, in a
 * browser or in `beamish top`: the process list (mailboxes, messages
 * received per interval, links, monitors, what each waits for), a
 * process's detail (its state, its first messages, its links as a graph),
 * the supervision trees, and a bounded message trace drawn as a sequence
 * diagram. Erlang's `observer` and `observer_cli`, for beamish.
 * See docs/observer.md.
 *
 * @packageDocumentation
 */
export { observe } from './observe.js';
export type {
  Delta,
  Header,
  ObserveOptions,
  Observer,
  ProcessDetail,
  ProcessRow,
  Snapshot,
  SupervisorTree,
  TraceEvent,
  TraceStopped,
} from './types.js';

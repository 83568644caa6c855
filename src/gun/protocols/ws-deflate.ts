import { errorText } from '../reasons.js';
import { MAX_MESSAGE_BYTES } from './ws.js';
import { type ExtensionParams, type PerMessageDeflate, wsLibrary } from './ws-library.js';

/**
 * permessage-deflate (RFC 7692), the client's side, in one place: the offer
 * `wsUpgrade` writes and the check of the server's answer. The HTTP/1.1
 * module writes the offer and checks the 101 with `negotiateDeflate`; the
 * WebSocket module is handed the `PerMessageDeflate` that check made, so
 * what is offered and what is accepted cannot drift apart.
 */

/**
 * The `sec-websocket-extensions` offer, byte for byte Gun's
 * (gun_http.erl's ws_upgrade). ws's client PerMessageDeflate, with its
 * defaults, takes any answer this offer allows: it checks only the
 * `client_*` parameters, and 15 bits is the largest server window anyway.
 */
export const DEFLATE_OFFER = 'permessage-deflate; client_max_window_bits; server_max_window_bits=15';

const DEFLATE = 'permessage-deflate';

/**
 * The server's answer (`sec-websocket-extensions` of the 101, every value
 * joined; undefined when absent) to our offer, made when `offered`: the
 * PerMessageDeflate to frame with, or undefined when the server took none.
 * Throws an Error whose message says why the answer cannot be taken (RFC
 * 6455 §4.1: the client must then fail the connection), as Gun's
 * select_extensions closes on an extension it did not offer.
 */
export function negotiateDeflate(header: string | undefined, offered: boolean): PerMessageDeflate | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  let parsed: Record<string, ExtensionParams[]>;
  try {
    parsed = wsLibrary.extension.parse(header);
  } catch (err) {
    throw new Error(`The server sent an invalid sec-websocket-extensions header (${errorText(err)}): ${header}`);
  }
  const unknown = Object.keys(parsed).find((n) => n !== DEFLATE);
  if (unknown !== undefined)
    throw new Error(`The server accepted a WebSocket extension that was not offered: ${unknown}`);
  const answers = parsed[DEFLATE];
  if (answers === undefined) return undefined;
  if (!offered) throw new Error('The server accepted permessage-deflate, which was not offered (compress is false)');
  if (answers.length !== 1) throw new Error('The server accepted permessage-deflate more than once');
  const deflate = new wsLibrary.PerMessageDeflate({ isServer: false, maxPayload: MAX_MESSAGE_BYTES });
  try {
    deflate.accept(answers);
  } catch (err) {
    throw new Error(
      `The server accepted permessage-deflate with parameters the offer does not allow: ${errorText(err)}`,
    );
  }
  return deflate;
}

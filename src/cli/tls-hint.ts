/**
 * One line of advice when a wss:// or https:// connection fails because the
 * server's certificate was not accepted. Gun gives the failure as
 * `['shutdown', code]`, the code being Node's, lower-cased
 * (src/gun/reasons.ts, socketError): UNABLE_TO_VERIFY_LEAF_SIGNATURE →
 * 'unable_to_verify_leaf_signature'.
 */

/** The certificate's chain does not end at a CA this process trusts: `--ca` is the fix. */
const UNTRUSTED = new Set([
  'unable_to_verify_leaf_signature',
  'unable_to_get_issuer_cert',
  'unable_to_get_issuer_cert_locally',
  'self_signed_cert_in_chain',
  'depth_zero_self_signed_cert',
  'cert_untrusted',
]);

/** The certificate is outside its dates: `--ca` does not change that, the clock or the certificate must. */
const OUT_OF_DATE = new Set(['cert_has_expired', 'cert_not_yet_valid']);

/** The certificate is not for the host name connected to: `--ca` does not change that either. */
const WRONG_NAME = 'err_tls_cert_altname_invalid';

/**
 * The hint for a connection's exit reason, or `undefined` when the reason
 * is not a certificate failure.
 *
 * @example
 * tlsHint(['shutdown', 'self_signed_cert_in_chain']);
 * // "the server's certificate chain ends at a CA this machine does not trust
 * //  (self_signed_cert_in_chain); if you trust that CA, give its certificate: --ca file.pem"
 * tlsHint(['shutdown', 'econnrefused']); // undefined
 */
export function tlsHint(reason: unknown): string | undefined {
  const code = Array.isArray(reason) && reason[0] === 'shutdown' ? reason[1] : reason;
  if (typeof code !== 'string') return undefined;
  if (UNTRUSTED.has(code)) {
    return `the server's certificate chain ends at a CA this machine does not trust (${code}); if you trust that CA, give its certificate: --ca file.pem`;
  }
  if (OUT_OF_DATE.has(code)) {
    return `the server's certificate is outside its validity dates (${code}); check this machine's clock (--ca file.pem trusts a CA, it does not make an expired certificate valid)`;
  }
  if (code === WRONG_NAME) {
    return `the server's certificate is not for this host name (${code}); connect with a name the certificate lists (--ca file.pem trusts a CA, it does not change the name checked)`;
  }
  return undefined;
}

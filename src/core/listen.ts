import { AigwError, ERRORS } from './errors.js';

/** A listen address such as `127.0.0.1:9271` or `[::1]:0`, as --gateway-listen and --control-listen take it. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses a listen address; undefined when it is not host:port with a port from 0 (any free one) to 65535. */
export function parseListenAddress(spec: string): ListenAddress | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(spec);
  if (!match || Number(match[3]) > 65535) return undefined;
  return { host: match[1] ?? match[2]!, port: Number(match[3]) };
}

/** Whether a listen host is reachable only from this machine: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The rule for the management API over TCP, checked by `daemon start` and by the daemon itself: the TLS
 * certificate and key go together, with a TCP address; without them the address must be a loopback one,
 * since a bearer token in plain HTTP is readable on the wire. Returns whether TLS is on.
 */
export function checkControlTls(listenHost: string | undefined, certFile: string | undefined, keyFile: string | undefined): boolean {
  if ((certFile || keyFile) && !(certFile && keyFile && listenHost !== undefined)) {
    throw new AigwError(ERRORS.controlTlsIncomplete, 'give both --tls-cert and --tls-key (or AIGW_CONTROL_TLS_CERT and AIGW_CONTROL_TLS_KEY), with --control-listen');
  }
  if (!certFile && listenHost !== undefined && !isLoopbackHost(listenHost)) {
    throw new AigwError(
      ERRORS.controlPlainHttpNotLoopback,
      `the management API may listen on ${listenHost} only over TLS: add --tls-cert FILE --tls-key FILE, or listen on 127.0.0.1`,
    );
  }
  return Boolean(certFile);
}

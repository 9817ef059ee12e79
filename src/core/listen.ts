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

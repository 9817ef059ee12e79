/** Raised when the daemon must not start because of how it was configured, with what to do about it. */
export class DaemonConfigError extends Error {}

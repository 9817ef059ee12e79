import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The daemon's one logger: JSON lines on stdout (the log file when detached). Anything that could carry a
 * secret is censored by path, and no request or response body is ever logged.
 */
export function createLogger(level: string = process.env.AIGW_LOG_LEVEL || 'info'): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'value',
        '*.value',
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'headers.authorization',
        'headers["x-api-key"]',
      ],
      censor: '[redacted]',
    },
  });
}

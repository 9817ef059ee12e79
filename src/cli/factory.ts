import type { AnyCommand } from './commander.js';
import { resolvePaths, type AigwPaths } from '../core/paths.js';
import { connect } from './client.js';
import { IO, PROCESS_STREAMS, type OutputOptions, type Streams } from './io.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** The management API as commands see it: ApiClient (client.ts) in production, a fake in the in-process tests. */
export interface Api {
  request<T>(method: Method, path: string, body?: unknown): Promise<T>;
}

/**
 * What every command runs against, as `gh` hands each command its Factory: the IO built from the global
 * output flags, the API client, the state paths and the environment. The client and the paths are made
 * on first use, so a command that needs neither pays for neither.
 */
export interface Factory {
  readonly io: IO;
  api(): Api;
  readonly paths: AigwPaths;
  readonly env: NodeJS.ProcessEnv;
}

/** What a program is built over: the process in production; fake streams, environment and API in the in-process tests. */
export interface Context {
  readonly streams: Streams;
  readonly env: NodeJS.ProcessEnv;
  /** Makes the API client; by default the real one over the control socket, which may start the daemon. */
  readonly api?: (io: IO, paths: AigwPaths, env: NodeJS.ProcessEnv) => Api;
}

export const PROCESS_CONTEXT: Context = {
  streams: PROCESS_STREAMS,
  get env() {
    return process.env;
  },
};

const contexts = new WeakMap<AnyCommand, Context>();

/** Ties a program to its context; its commands' handlers find it through their root command. */
export function bindContext(program: AnyCommand, context: Context): void {
  contexts.set(program, context);
}

export function contextOf(command: AnyCommand): Context {
  let root = command;
  while (root.parent) root = root.parent;
  return contexts.get(root) ?? PROCESS_CONTEXT;
}

export function createFactory(context: Context, options: OutputOptions): Factory {
  const { env } = context;
  const io = new IO(options, env, context.streams);
  let paths: AigwPaths | undefined;
  let api: Api | undefined;
  // Closures, not methods: commands destructure the factory ({ io, api }).
  const pathsOf = () => (paths ??= resolvePaths(env));
  return {
    io,
    env,
    get paths() {
      return pathsOf();
    },
    api: () => (api ??= (context.api ?? connect)(io, pathsOf(), env)),
  };
}

import { PROVIDER_KEY_VARIABLES } from '../core/providers.js';
import type { Api } from './factory.js';
import { AigwError, ERRORS } from '../core/errors.js';

/**
 * The environment variables that wire an app or agent to the gateway, in one place: `aigw run` sets them
 * for its child, `aigw env` prints them, and the README's table is this list. `token: true` marks the
 * variables that carry the access key's token.
 */
export interface GatewayVariable {
  name: string;
  token: boolean;
  /** What reads it. */
  readBy: string;
  value: (gatewayUrl: string, token: string) => string;
}

export const GATEWAY_VARIABLES: readonly GatewayVariable[] = [
  { name: 'OPENAI_BASE_URL', token: false, readBy: 'OpenAI SDKs (Python, Node, Go, .NET), Codex CLI, most OpenAI-compatible tools', value: (url) => `${url}/v1` },
  { name: 'OPENAI_API_BASE', token: false, readBy: 'older OpenAI Python SDKs (< 1.0), LangChain, LiteLLM', value: (url) => `${url}/v1` },
  { name: 'OPENAI_API_KEY', token: true, readBy: 'OpenAI SDKs, Codex CLI, most OpenAI-compatible tools', value: (_url, token) => token },
  { name: 'ANTHROPIC_BASE_URL', token: false, readBy: 'Anthropic SDKs, Claude Code', value: (url) => url },
  { name: 'ANTHROPIC_API_KEY', token: true, readBy: 'Anthropic SDKs (sent as x-api-key)', value: (_url, token) => token },
  { name: 'ANTHROPIC_AUTH_TOKEN', token: true, readBy: 'Claude Code and the Anthropic SDKs (sent as Authorization: Bearer)', value: (_url, token) => token },
  { name: 'AIGW_GATEWAY_URL', token: false, readBy: 'your own scripts: the gateway\'s base URL, without /v1', value: (url) => url },
];

/**
 * What a child of `aigw run` must not inherit: every provider key variable of the catalog (replaced by the
 * access key where an SDK needs one), the encrypted-file store's passphrase and the remote daemon's token.
 */
export const STRIPPED_VARIABLES: readonly string[] = [...PROVIDER_KEY_VARIABLES.map((v) => v.name), 'AIGW_MASTER_KEY', 'AIGW_CONTROL_TOKEN'];

/** The settings for one token, in GATEWAY_VARIABLES' order; without a token, only the base URLs. */
export function gatewaySettings(gatewayUrl: string, token: string | undefined): [string, string][] {
  return GATEWAY_VARIABLES.filter((v) => token !== undefined || !v.token).map((v) => [v.name, v.value(gatewayUrl, token ?? '')]);
}

/**
 * Claude Code reads ANTHROPIC_AUTH_TOKEN; with ANTHROPIC_API_KEY set as well it warns of an auth conflict,
 * and on a terminal asks to approve each new API key, which would be every run's.
 */
const LEFT_OUT_FOR: Record<string, readonly string[]> = { claude: ['ANTHROPIC_API_KEY'] };

/**
 * The child's environment: the parent's, without any provider key, with the gateway's settings (less the
 * ones the program named `program` is known to trip over).
 */
export function childEnvironment(parent: NodeJS.ProcessEnv, gatewayUrl: string, token: string, program: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...parent };
  for (const name of STRIPPED_VARIABLES) delete env[name];
  const leftOut = LEFT_OUT_FOR[program] ?? [];
  for (const [name, value] of gatewaySettings(gatewayUrl, token)) if (!leftOut.includes(name)) env[name] = value;
  return env;
}

/** The gateway's base URL, from the daemon's status (started on demand like any other command's). */
export async function gatewayUrlOf(api: Api): Promise<string> {
  const status = await api.request<{ gatewayUrl: string | null; gatewayError: string | null }>('GET', '/status');
  if (!status.gatewayUrl) {
    throw new AigwError(ERRORS.gatewayNotListening, `the gateway is not listening (${status.gatewayError}); see \`aigw daemon status\``);
  }
  // A gateway listening on every address is reached on loopback.
  return status.gatewayUrl.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
}

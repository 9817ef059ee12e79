/** The API dialect a provider speaks, which decides the upstream paths and the auth header. */
export type ApiFormat = 'openai' | 'anthropic';

/** How the provider key travels upstream: `Authorization: Bearer` (OpenAI style) or Anthropic's `x-api-key`. */
export type AuthStyle = 'bearer' | 'x-api-key';

export interface BuiltinProvider {
  readonly id: string;
  readonly name: string;
  readonly baseUrl: string;
  readonly formats: readonly ApiFormat[];
  readonly auth: AuthStyle;
  /** Bare model names starting with one of these resolve to this provider. */
  readonly modelPrefixes: readonly string[];
  /** Well-known models, listed by the gateway's `/v1/models` (a hint, not a limit: any model name is passed on). */
  readonly models: readonly string[];
}

/** The Anthropic API version sent upstream when the client did not choose one. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** Built-in providers and their official base URLs (ngrok's AI Gateway model catalog uses the same ids). */
export const BUILTIN_PROVIDERS: readonly BuiltinProvider[] = [
  {
    id: 'openai',
    name: 'OpenAI',
    baseUrl: 'https://api.openai.com/v1',
    formats: ['openai'],
    auth: 'bearer',
    modelPrefixes: ['gpt-', 'chatgpt-', 'o1', 'o3', 'o4', 'text-embedding-', 'davinci-', 'babbage-', 'omni-', 'codex-'],
    models: ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'gpt-4o-mini', 'o3', 'o4-mini', 'text-embedding-3-small', 'text-embedding-3-large'],
  },
  {
    id: 'anthropic',
    name: 'Anthropic',
    baseUrl: 'https://api.anthropic.com/v1',
    formats: ['anthropic', 'openai'],
    auth: 'x-api-key',
    modelPrefixes: ['claude-'],
    models: ['claude-opus-4-1', 'claude-sonnet-4-5', 'claude-3-5-haiku-latest'],
  },
  {
    id: 'google',
    name: 'Google',
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
    formats: ['openai'],
    auth: 'bearer',
    modelPrefixes: ['gemini-', 'gemma-'],
    models: ['gemini-2.5-pro', 'gemini-2.5-flash'],
  },
  {
    id: 'deepseek',
    name: 'DeepSeek',
    baseUrl: 'https://api.deepseek.com/v1',
    formats: ['openai'],
    auth: 'bearer',
    modelPrefixes: ['deepseek-'],
    models: ['deepseek-chat', 'deepseek-reasoner'],
  },
  { id: 'groq', name: 'Groq', baseUrl: 'https://api.groq.com/openai/v1', formats: ['openai'], auth: 'bearer', modelPrefixes: [], models: [] },
  {
    id: 'moonshotai',
    name: 'Moonshot AI',
    baseUrl: 'https://api.moonshot.ai/v1',
    formats: ['openai'],
    auth: 'bearer',
    modelPrefixes: ['kimi-', 'moonshot-'],
    models: [],
  },
  { id: 'z-ai', name: 'Z.ai', baseUrl: 'https://api.z.ai/api/paas/v4', formats: ['openai'], auth: 'bearer', modelPrefixes: ['glm-'], models: [] },
  { id: 'openrouter', name: 'OpenRouter', baseUrl: 'https://openrouter.ai/api/v1', formats: ['openai'], auth: 'bearer', modelPrefixes: [], models: [] },
  { id: 'hyperbolic', name: 'Hyperbolic', baseUrl: 'https://api.hyperbolic.xyz/v1', formats: ['openai'], auth: 'bearer', modelPrefixes: [], models: [] },
  { id: 'inference-net', name: 'Inference.net', baseUrl: 'https://api.inference.net/v1', formats: ['openai'], auth: 'bearer', modelPrefixes: [], models: [] },
];

const BY_ID = new Map(BUILTIN_PROVIDERS.map((p) => [p.id, p]));

export function builtinProvider(id: string): BuiltinProvider | undefined {
  return BY_ID.get(id);
}

export const BUILTIN_PROVIDER_IDS: readonly string[] = BUILTIN_PROVIDERS.map((p) => p.id);

/** The built-in provider a bare model name belongs to, by the catalog's known models and then its name prefixes. */
export function builtinProviderForModel(model: string): BuiltinProvider | undefined {
  return (
    BUILTIN_PROVIDERS.find((p) => p.models.includes(model)) ??
    BUILTIN_PROVIDERS.find((p) => p.modelPrefixes.some((prefix) => model.startsWith(prefix)))
  );
}

/**
 * The environment variables that hold a built-in provider's key, as the providers' own SDKs and docs name
 * them: `aigw provider-keys import --from-env` and `--from-dotenv` read them, `aigw run` takes them out of
 * the child's environment, and the README's table is this list.
 */
export const PROVIDER_KEY_VARIABLES: readonly { readonly name: string; readonly providerId: string; readonly source: string }[] = [
  { name: 'OPENAI_API_KEY', providerId: 'openai', source: 'OpenAI SDKs, Codex CLI' },
  { name: 'ANTHROPIC_API_KEY', providerId: 'anthropic', source: 'Anthropic SDKs, Claude Code' },
  { name: 'GEMINI_API_KEY', providerId: 'google', source: 'Google Gen AI SDKs, Gemini CLI' },
  { name: 'GOOGLE_API_KEY', providerId: 'google', source: 'Google Gen AI SDKs (older name)' },
  { name: 'DEEPSEEK_API_KEY', providerId: 'deepseek', source: 'DeepSeek docs' },
  { name: 'GROQ_API_KEY', providerId: 'groq', source: 'Groq SDKs' },
  { name: 'MOONSHOT_API_KEY', providerId: 'moonshotai', source: 'Moonshot AI docs' },
  { name: 'ZAI_API_KEY', providerId: 'z-ai', source: 'Z.ai docs' },
  { name: 'OPENROUTER_API_KEY', providerId: 'openrouter', source: 'OpenRouter docs' },
  { name: 'HYPERBOLIC_API_KEY', providerId: 'hyperbolic', source: 'Hyperbolic docs' },
  { name: 'INFERENCE_API_KEY', providerId: 'inference-net', source: 'Inference.net docs' },
];

/** The provider a key variable such as OPENAI_API_KEY belongs to. */
export function providerOfVariable(name: string): string | undefined {
  return PROVIDER_KEY_VARIABLES.find((v) => v.name === name)?.providerId;
}

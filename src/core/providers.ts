/** The API dialect a provider speaks, which decides the upstream paths and the auth header. */
export type ApiFormat = 'openai' | 'anthropic';

export interface BuiltinProvider {
  readonly id: string;
  readonly name: string;
  readonly baseUrl: string;
  readonly formats: readonly ApiFormat[];
}

/** Built-in providers and their official base URLs (ngrok's AI Gateway model catalog uses the same ids). */
export const BUILTIN_PROVIDERS: readonly BuiltinProvider[] = [
  { id: 'openai', name: 'OpenAI', baseUrl: 'https://api.openai.com/v1', formats: ['openai'] },
  { id: 'anthropic', name: 'Anthropic', baseUrl: 'https://api.anthropic.com/v1', formats: ['anthropic', 'openai'] },
  { id: 'google', name: 'Google', baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai', formats: ['openai'] },
  { id: 'deepseek', name: 'DeepSeek', baseUrl: 'https://api.deepseek.com/v1', formats: ['openai'] },
  { id: 'groq', name: 'Groq', baseUrl: 'https://api.groq.com/openai/v1', formats: ['openai'] },
  { id: 'moonshotai', name: 'Moonshot AI', baseUrl: 'https://api.moonshot.ai/v1', formats: ['openai'] },
  { id: 'z-ai', name: 'Z.ai', baseUrl: 'https://api.z.ai/api/paas/v4', formats: ['openai'] },
  { id: 'openrouter', name: 'OpenRouter', baseUrl: 'https://openrouter.ai/api/v1', formats: ['openai'] },
  { id: 'hyperbolic', name: 'Hyperbolic', baseUrl: 'https://api.hyperbolic.xyz/v1', formats: ['openai'] },
  { id: 'inference-net', name: 'Inference.net', baseUrl: 'https://api.inference.net/v1', formats: ['openai'] },
];

const BY_ID = new Map(BUILTIN_PROVIDERS.map((p) => [p.id, p]));

export function builtinProvider(id: string): BuiltinProvider | undefined {
  return BY_ID.get(id);
}

export const BUILTIN_PROVIDER_IDS: readonly string[] = BUILTIN_PROVIDERS.map((p) => p.id);

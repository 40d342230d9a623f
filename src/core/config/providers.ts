/** Per-provider defaults: which environment variable holds the key, and which endpoint to call. */

import type { ApiKind } from './types';

/** The environment variable (or secret name) holding the key when the config has no `api_key_env`. */
export const DEFAULT_API_KEY_ENV: Readonly<Record<ApiKind, string>> = {
  openai: 'OPENAI_API_KEY',
  google: 'GOOGLE_API_KEY',
  together: 'TOGETHER_API_KEY',
  openrouter: 'OPENROUTER_API_KEY',
  xai: 'XAI_API_KEY',
  deepseek: 'DEEPSEEK_API_KEY',
  glm: 'GLM_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  // A custom server names its own variable; '' means "this endpoint needs no key".
  custom: '',
};

/**
 * Endpoints of the OpenAI-compatible providers. OpenAI and Google are absent on purpose: their
 * SDKs (`openai`, `@google/genai`) know their own endpoints. `custom` must give `base_url`.
 */
export const PROVIDER_BASE_URLS: Readonly<Partial<Record<ApiKind, string>>> = {
  together: 'https://api.together.xyz/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  xai: 'https://api.x.ai/v1',
  deepseek: 'https://api.deepseek.com',
  // Z.ai's international endpoint, as the original (open.bigmodel.cn is the mainland China one).
  glm: 'https://api.z.ai/api/paas/v4/',
  // Anthropic's own API: the Messages API at <this>/v1/messages; requests with tools go to its
  // OpenAI-compatible endpoint at <this>/v1/.
  anthropic: 'https://api.anthropic.com',
};

/** Values used when a config leaves a client setting out. */
export const MODEL_DEFAULTS = {
  api: 'openai' as ApiKind,
  concurrentRequests: 30,
  readCost: 1,
  writeCost: 1,
  timeoutSec: 18000,
  /** Bounded, unlike the original (which retried rate limits forever). */
  maxRetries: 6,
  /** Base of the exponential back-off, seconds. */
  sleepOnErrorSec: 2,
  sleepAfterRequestSec: 0,
} as const;

/** The hosts each provider's SDK or endpoint calls by default. */
const OWN_HOSTS: Readonly<Partial<Record<ApiKind, string>>> = {
  openai: 'api.openai.com',
  google: 'generativelanguage.googleapis.com',
};

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/**
 * The host a config would send its API key to when that host is not the provider's own — a proxy,
 * a gateway, a colleague's server — so the editor can ask before the key leaves. Undefined when
 * the key goes to the provider itself, to this machine (loopback), or when no key is sent.
 */
export function foreignKeyHost(cfg: { api: ApiKind; baseUrl?: string; apiKeyEnv: string }): string | undefined {
  if (!cfg.baseUrl || !cfg.apiKeyEnv) return undefined;
  let host: string;
  try {
    host = new URL(cfg.baseUrl).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  if (LOOPBACK.test(host)) return undefined;
  const own =
    OWN_HOSTS[cfg.api] ?? (PROVIDER_BASE_URLS[cfg.api] ? new URL(PROVIDER_BASE_URLS[cfg.api]!).hostname : undefined);
  return own === host ? undefined : host;
}

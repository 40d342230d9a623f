/** Model and agent configs: parsing with positions, normalisation, lookup, listing, identity. */

export * from './types';
export { parseConfigText, parseScaffoldText, type ParseOptions, type ParseResult } from './parse';
export { loadConfig, validateConfigFile, validateConfigText, listConfigs, configErrorsToQedError } from './load';
export {
  resolveConfigRef,
  resolveAgentRef,
  agentSearchRoots,
  findConfigsRoot,
  configIdFromFile,
  workspaceConfigsRoot,
  type ConfigSearchOptions,
  type ResolvedConfigRef,
  type AgentRefResolution,
} from './resolve';
export { configIdentity, identityFields } from './identity';
export { DEFAULT_API_KEY_ENV, PROVIDER_BASE_URLS, MODEL_DEFAULTS, foreignKeyHost } from './providers';
export { MODEL_CONFIG_KEYS, AGENT_CONFIG_KEYS, METADATA_KEYS, AGENT_EXTRA_MODEL_KEYS } from './keys';

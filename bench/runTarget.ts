/**
 * What bench/run-throughput measures, bundled by esbuild as dist/cli.js is (`qed run` runs the
 * bundle, not the TypeScript sources under tsx, whose per-closure name wrappers would be counted
 * too): the config parser, the client, the engine, the single-call solver, and the openai SDK
 * with the transport the client gives it.
 */
export { parseConfigText } from '../src/core/config';
export { createClient } from '../src/core/llm';
export { leanFetch } from '../src/core/llm/leanFetch';
export { runBenchmark } from '../src/core/run/engine';
export { singleCallSolver } from '../src/core/run/solver';
export { default as OpenAI } from 'openai';

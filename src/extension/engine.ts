/**
 * The engine as the extension uses it, bundled on its own into dist/engine.js and loaded on first
 * use (see lazy.ts): activating the extension then parses only the thin editor glue, not the
 * SDKs, parsers and computer algebra behind these modules.
 */
export * as config from '../core/config';
export * as data from '../core/data';
export * as llm from '../core/llm';
export * as probe from '../core/llm/probe';
export * as run from '../core/run/engine';
export * as prompts from '../core/run/prompts';
export * as solver from '../core/run/solver';
export * as estimate from '../core/run/estimate';
export * as agents from '../core/agents';
export * as identity from '../core/run/identity';
export * as grade from '../core/grade/eval';
export * as gradePrompts from '../core/grade/prompts';
export * as graders from '../core/grade/grader';
export * as regrade from '../core/grade/regrade';
export * as lock from '../core/run/lock';
export * as stats from '../core/stats';
export * as format from '../core/format';
export * as view from '../core/view';
export * as cluster from '../core/cluster';
export * as demo from '../core/demo';

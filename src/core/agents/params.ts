import type { AgentModel } from './context';

/** A scaffold's parameters (the scaffold file with the agent config's overrides on top). */
export class Params {
  constructor(readonly values: Record<string, unknown>) {}

  num(key: string, fallback: number): number {
    const v = this.values[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
  }

  int(key: string, fallback: number): number {
    return Math.max(0, Math.floor(this.num(key, fallback)));
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.values[key];
    return typeof v === 'boolean' ? v : fallback;
  }

  str(key: string, fallback = ''): string {
    const v = this.values[key];
    return typeof v === 'string' ? v : fallback;
  }

  /** A nested mapping, e.g. `prompts` or `main`. */
  map(key: string): Params {
    const v = this.values[key];
    return new Params(v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  }
}

/** The models an agent calls, by role; roles the agent config does not name fall back to `model`. */
export interface AgentModels {
  model: AgentModel;
  verifier: AgentModel;
  improver: AgentModel;
  summarizer: AgentModel;
}

/** A prompt a scaffold fills: which placeholders it must hold and which it may. */
export interface PromptSpec {
  /** Path of the key in the scaffold file, e.g. ['prompts', 'system'] or ['generation_prompt']. */
  path: string[];
  /** Placeholders the algorithm needs in it. */
  required: string[];
  /** Placeholders it is filled with (a superset of required); undefined: sent as is, never formatted. */
  allowed?: string[];
  /** Whether the scaffold cannot run without it (else the file's value or '' is used as the original does). */
  mandatory?: boolean;
}

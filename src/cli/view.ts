import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { listConfigs } from '../core/config';
import { hubResultsCopy, looksLikeHubId } from '../core/data';
import { QedError, describeError } from '../core/errors';
import type { Grader } from '../core/grade/eval';
import { graderForRow } from '../core/grade/regrade';
import { createClient, envKeys, type BoundClient } from '../core/llm';
import type { GraderChoice } from '../protocol';
import { parse, positiveInt, str } from './args';
import { startViewServer } from './viewServer';

export const VIEW_HELP = `qed view — review result files in the browser (the same viewer as in VS Code)

Usage: qed view FILE|ID... [options]

  FILE                  one or more results files (.jsonl); several can be compared
  ID                    a results dataset on the Hugging Face Hub (owner/name or hf:owner/name),
                        read as 'qed run --data-path' reads it (the hub cache, downloading only
                        what is missing) and copied once to outputs/hub/<owner>--<name>/<split>.jsonl,
                        which is opened (and keeps your grades; delete it for a fresh copy)
  --split NAME          split of a Hugging Face dataset (default train)
  --port N              port on 127.0.0.1 (default: any free port)
  --grader CONFIG       the grader offered first for "Regrade" (e.g. openai/gpt-5); the page
                        lists every model config of ./configs/models and the shipped ones
  --reviewer NAME       the name stored with a human grade (default: your user name)
  --macros FILE         KaTeX macros as JSON, e.g. {"\\\\RR": "\\\\mathbb{R}"}
  --font-size N         initial text size of the row page, px (default 14)

Prints the address to open. It serves on 127.0.0.1 only and carries a random token: share it
with nobody. Over SSH: ssh -L 8765:127.0.0.1:8765 cluster, then qed view --port 8765 … there.
Add ?row=N to the address to open row N. Keys for regrading come from the environment.
Stop with Ctrl-C.
`;

const OPTIONS = {
  port: { type: 'string' },
  grader: { type: 'string' },
  reviewer: { type: 'string' },
  macros: { type: 'string' },
  'font-size': { type: 'string' },
  split: { type: 'string' },
} as const;

function readMacros(file: string | undefined): Record<string, string> | undefined {
  if (!file) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new QedError(`cannot read the macros: ${describeError(e)}`, { file, field: '--macros' });
  }
  if (
    typeof v !== 'object' ||
    v === null ||
    Array.isArray(v) ||
    !Object.values(v).every((x) => typeof x === 'string')
  ) {
    throw new QedError('expected a JSON object of macro → expansion strings', { file, field: '--macros' });
  }
  return v as Record<string, string>;
}

export async function viewCommand(
  args: string[],
  env: { shippedRoot: string },
  extra: { notice?: string } = {},
): Promise<number> {
  const { values: v, positionals } = parse(args, OPTIONS, 'view');
  if (!positionals.length)
    throw new QedError('name at least one results file', { field: 'FILE' }, 'e.g. qed view outputs/run.jsonl');
  const files: string[] = [];
  for (const p of positionals) {
    const f = resolve(p);
    if (!existsSync(f) && !existsSync(`${f}.partial`) && looksLikeHubId(p)) {
      const copy = await hubResultsCopy(p, { cwd: process.cwd(), split: str(v.split) });
      process.stderr.write(
        copy.created
          ? `qed view: ${copy.source} (revision ${copy.revision}) copied to ${copy.file}\n`
          : `qed view: ${copy.source}: opening the earlier copy ${copy.file} (delete it for a fresh one)\n`,
      );
      files.push(copy.file);
      continue;
    }
    files.push(f);
  }
  for (const f of files) {
    // A first run writes only its journal until it ends: the view shows those rows as they come.
    if (!existsSync(f)) {
      if (existsSync(`${f}.partial`)) continue;
      throw new QedError('file not found', { file: f });
    }
    if (statSync(f).isDirectory()) throw new QedError('this is a folder; name the .jsonl files in it', { file: f });
  }
  const portArg = str(v.port);
  const port = portArg === undefined ? 0 : portArg === '0' ? 0 : positiveInt(portArg, 'port');
  if (port !== undefined && port > 65535) throw new QedError('a port is at most 65535', { field: '--port' });
  const preferred = str(v.grader);
  const fontSize = positiveInt(v['font-size'], 'font-size');
  const macros = readMacros(str(v.macros));

  // Graders: the configs of the folder qed view runs in and the shipped ones, plus --grader.
  let choices: GraderChoice[] | undefined;
  const graderList = async (): Promise<GraderChoice[]> => {
    if (choices) return choices;
    const all = await listConfigs({ cwd: process.cwd(), shippedRoot: env.shippedRoot }).catch(() => []);
    choices = all
      .filter((c) => c.kind === 'model' && !c.diagnostics.some((d) => d.severity === 'error'))
      .map((c) => ({
        ref: c.id,
        label: c.id,
        description: `${c.api ?? ''}: ${c.model ?? ''}${c.origin === 'shipped' ? ' (shipped)' : ''}`,
      }));
    if (preferred && !choices.some((c) => c.ref === preferred))
      choices.unshift({ ref: preferred, label: preferred, description: '--grader' });
    return choices;
  };
  const clients = new Map<string, BoundClient>();

  const server = await startViewServer({
    files,
    port,
    settings: { macros, fontSize, reviewer: str(v.reviewer), notice: extra.notice },
    graders: async () => ({ graders: await graderList(), preferred, hostPicker: false }),
    // By default the row's own grading (its qed_grade stamp); the page may pick another grader or mode.
    grader: async ({ ref, mode, row }): Promise<Grader> => {
      // Only configs the page was offered (or the one the row records): the page cannot name an arbitrary file.
      if (ref && !(await graderList()).some((c) => c.ref === ref))
        throw new QedError(`'${ref}' is not one of the grader configs offered`, { field: 'grader' });
      const picked = await graderForRow(
        row,
        { ref, mode },
        {
          cwd: process.cwd(),
          shippedRoot: env.shippedRoot,
          client: async (cfg) => {
            const key = cfg.file || cfg.id;
            let client = clients.get(key);
            if (!client) {
              client = await createClient(cfg, { getKey: envKeys });
              clients.set(key, client);
            }
            return client;
          },
        },
      );
      return picked!.grader;
    },
  }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE')
      throw new QedError(
        `port ${port} is in use`,
        { field: '--port' },
        'pick another port, or leave --port out for a free one',
      );
    throw e;
  });

  process.stdout.write(
    `qed view: ${files.length === 1 ? files[0] : `${files.length} files`}\n  open ${server.url}\n  (127.0.0.1 only; the address carries a secret token; Ctrl-C stops)\n`,
  );
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

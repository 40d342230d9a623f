/**
 * The problems of a scaffold file as it is written, without running it: for the editor's
 * diagnostics and `qed config validate`. A scaffold file must name a known scaffold (or be a core
 * components set), and its prompts must hold the placeholders its algorithm fills.
 */
import type { ConfigDiagnostic } from '../config/types';
import { QedError } from '../errors';
import { Params } from './params';
import { CORE_PROMPTS, SCAFFOLD_NAMES, looksLikeCoreComponents, scaffoldSpec } from './specs';
import { promptProblems, YamlFile } from './yamlFile';

export function scaffoldDiagnostics(text: string, file: string): ConfigDiagnostic[] {
  let doc: YamlFile;
  try {
    doc = new YamlFile(file, text);
  } catch (e) {
    if (!(e instanceof QedError)) throw e;
    const loc = e.location;
    return [
      {
        severity: 'error',
        message: e.message.replace(/^.*?: /, ''),
        file,
        line: loc.line ?? 1,
        column: loc.column ?? 1,
      },
    ];
  }
  const params = new Params(doc.values);
  const name = doc.values.scaffold_name;
  const toDiag = (
    p: { message: string; at: { line: number; column: number; field: string }; hint?: string },
    severity: ConfigDiagnostic['severity'] = 'error',
  ): ConfigDiagnostic => ({
    severity,
    message: p.hint ? `${p.message} (${p.hint})` : p.message,
    file,
    line: p.at.line,
    column: p.at.column,
    key: p.at.field,
  });
  if (name === undefined) {
    // A core components set (math_core_components) is checked as such; anything else needs a name.
    if (looksLikeCoreComponents(doc.values))
      return promptProblems(CORE_PROMPTS, params, [doc], 'core components').map((p) => toDiag(p));
    return [
      toDiag(
        {
          message: `no scaffold_name: name the scaffold (${SCAFFOLD_NAMES.join(', ')})`,
          at: { line: 1, column: 1, field: 'scaffold_name' },
        },
        'warning',
      ),
    ];
  }
  const spec = scaffoldSpec(name);
  if (!spec)
    return [
      toDiag({
        message: `unknown scaffold_name '${String(name)}'; the scaffolds are ${SCAFFOLD_NAMES.join(', ')}`,
        at: doc.where(['scaffold_name']),
      }),
    ];
  return promptProblems(spec.prompts, params, [doc], spec.names[0]).map((p) => toDiag(p));
}

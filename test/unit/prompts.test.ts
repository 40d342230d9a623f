// Prompt files: which placeholders a command fills, Python str.format files vs plain ones
// (src/core/run/prompts.ts checkTemplate / fillTemplate).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTemplate, fillTemplate, type PromptTemplate, type TemplateSpec } from '../../src/core/run/prompts';
import { benchSpec } from '../../src/core/rubric/bench';

const SPEC: TemplateSpec = {
  names: ['problem_statement', 'candidate_solution', 'reference_solution'],
  rename: { student_answer: 'candidate_solution', solution: 'reference_solution' },
  constants: { max_points: '7' },
  required: [['candidate_solution', 'student_answer']],
};

const load = (text: string, spec = SPEC): PromptTemplate => ({
  source: 'p.txt',
  text,
  hash: 'h',
  ...checkTemplate(text, spec, 'p.txt'),
});
const VARS = { problem_statement: 'P', candidate_solution: 'C', reference_solution: 'R' };

describe('prompt templates', () => {
  test("a Python format string with only accepted names is filled as str.format: {{ }} are braces, the original's names take our values", () => {
    const t = load('\\boxed{{}} {problem_statement} / {student_answer} / {solution} / {max_points}');
    assert.equal(t.format, 'python');
    assert.equal(fillTemplate(t, VARS), '\\boxed{} P / C / R / 7');
  });

  test('a file with single LaTeX or JSON braces is plain: only accepted names are replaced', () => {
    const t = load('$\\frac{1}{2}$ \\boxed{Correct} {"a": 1} {{kept}} {candidate_solution}');
    assert.equal(t.format, 'plain');
    assert.equal(fillTemplate(t, VARS), '$\\frac{1}{2}$ \\boxed{Correct} {"a": 1} {{kept}} C');
  });

  test('a value holding a placeholder is not expanded again', () => {
    assert.equal(
      fillTemplate(load('{candidate_solution}'), { ...VARS, candidate_solution: '{problem_statement} {{x}}' }),
      '{problem_statement} {{x}}',
    );
    assert.equal(
      fillTemplate(load('$x^{2}$ {candidate_solution}'), { ...VARS, candidate_solution: '{problem_statement}' }),
      '$x^{2}$ {problem_statement}',
    );
  });

  test('errors name the line, the placeholder and the accepted names', () => {
    assert.throws(
      () => load('a {{b}}\n{student_answer}\n\n{answer_key}'),
      (e: Error) => {
        assert.match(
          e.message,
          /^p\.txt:4: '\{answer_key\}': the prompt has a placeholder \{answer_key\} that this command does not fill/,
        );
        assert.match(
          e.message,
          /\{problem_statement\}, \{candidate_solution\}, \{reference_solution\}, \{student_answer\}, \{solution\}, \{max_points\}/,
        );
        return true;
      },
    );
    // Plain file: a name another command fills is refused; a LaTeX word is not.
    assert.throws(() => load('$\\frac{1}{2}$\n{candidate_solution} {gold_answer}'), /p\.txt:2: '\{gold_answer\}'/);
    assert.equal(load('$\\frac{1}{2}$ \\text{answer} {candidate_solution}').format, 'plain');
    assert.throws(
      () => load('{problem_statement} only'),
      /no \{candidate_solution\} or \{student_answer\} placeholder/,
    );
  });

  test("grader-bench: {solution} is the graded response in the original's marking-scheme prompts, the reference in its eval-style ones", () => {
    const vars = { problem_statement: 'P', candidate_solution: 'C', reference_solution: 'R', grading_guidelines: 'G' };
    const scheme = '{problem} {solution} {reference_solution} {marking_scheme} {max_points}';
    assert.equal(fillTemplate(load(scheme, benchSpec(scheme, true)), vars), 'P C R G 7');
    const evalStyle = '{problem_statement} {student_answer} {solution} {guidelines}';
    assert.equal(fillTemplate(load(evalStyle, benchSpec(evalStyle, true)), vars), 'P C R G');
  });
});

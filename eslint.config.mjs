import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', '.vscode-test/**', '.qed-cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine must run headless (CLI, SLURM nodes): it never touches the editor API.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/core must not depend on vscode: put editor glue in src/extension.' }],
        },
      ],
    },
  },
  {
    // Prompts go through src/extension/prompts.ts (`ui`), which the extension-host tests answer.
    files: ['src/extension/**/*.ts'],
    ignores: ['src/extension/prompts.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "MemberExpression[object.property.name='window'][property.name=/^show(QuickPick|InputBox|InformationMessage|WarningMessage|ErrorMessage|SaveDialog)$/]",
          message: "Ask through `ui` from './prompts' (the tests answer it), not vscode.window.",
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', 'scripts/**', 'bench/**', 'test/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', URL: 'readonly' } },
  },
);

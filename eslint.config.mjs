// Lint rules, including the architecture's dependency direction (see ARCHITECTURE.md):
// core imports only core (+ tfjs-core, yaml); node -> core; cli -> core, node;
// vscode -> core, node, webview protocol; webview -> type-only report model. Nothing imports vscode/ or cli/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];
const noVscode = { group: ['vscode'], message: 'Only src/vscode/ may import the vscode API.' };
const noVscodeDir = { group: ['**/vscode/*', '**/vscode'], message: 'Nothing imports src/vscode/.' };
const noCliDir = { group: ['**/cli/*'], message: 'Nothing imports src/cli/.' };
const noNodeBuiltins = { group: ['node:*', 'fs', 'path', 'child_process', 'os', 'crypto', 'worker_threads', 'net', 'http', 'https'], message: 'src/core is pure: no Node built-ins (do I/O in src/node).' };
const noNodeDir = { group: ['**/node/*', '../node', '../../node'], message: 'src/core must not import src/node.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'out/**', 'examples/**/*.js', 'media/**', 'test/fixtures/**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { project: ['./tsconfig.json', './src/webview/tsconfig.json'] } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [noVscode, noVscodeDir, noCliDir] }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([noVscode, noVscodeDir, noCliDir, noNodeBuiltins, noNodeDir]),
    },
  },
  {
    files: ['src/node/**/*.ts', 'src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([noVscode, noVscodeDir, noCliDir]) },
  },
  {
    files: ['src/vscode/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([noCliDir]) },
  },
  {
    files: ['src/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        noVscode, noVscodeDir, noCliDir, noNodeBuiltins,
        { group: ['**/node/*'], message: 'The webview is browser code.' },
      ]),
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);

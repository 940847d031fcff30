import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'bench/results'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2022, globals: { ...globals.browser, ...globals.node } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Rules that need types, read from the tsconfig that owns each file (tsconfig.json's
    // references: the page, the worker, and Node for tests/bench/scripts). Only the few that catch
    // real faults here: a promise nobody awaits or catches loses its error (and a test's
    // un-awaited expect(...).rejects passes whatever happens); an async function handed to a slot
    // that ignores its result does the same; awaiting a non-promise hides a changed signature;
    // `return promise` inside try skips the catch and runs the finally too early; sort() without
    // a comparator orders numbers as strings (10 before 9); a switch over a union (the worker
    // protocol's messages) that misses a member and has no default drops that message silently.
    files: ['**/*.{ts,tsx}'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/require-array-sort-compare': ['error', { ignoreStringArrays: true }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
    },
  },
  {
    // The engine, the file formats and the worker host run in a Web Worker (and Node): no React, store or DOM.
    files: ['src/engine/**/*.ts', 'src/io/**/*.ts', 'src/worker/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['react', 'react-dom', 'zustand', 'recharts', '**/store/**', '**/ui/**'] },
      ],
      'no-restricted-globals': ['error', 'document', 'window', 'localStorage'],
    },
  },
  {
    // The engine knows nothing of its host either: the worker owns the wire (protocol.ts) and
    // turns the engine's events into messages, never the other way round.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['react', 'react-dom', 'zustand', 'recharts', '**/store/**', '**/ui/**'],
              message: 'the engine runs in a worker and in Node: no React, store or UI',
            },
            {
              group: ['**/worker/**', '**/worker'],
              message: 'the engine publishes events (training/events.ts); src/worker owns the wire',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
);

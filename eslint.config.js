// One type-aware lint config for the whole workspace.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { PACKAGE_TOPOLOGY } from './scripts/package-topology.mjs';

/** Per package: the workspace packages its sources may not import (scripts/package-topology.mjs). */
const topology = Object.entries(PACKAGE_TOPOLOGY).map(([pkg, allowed]) => ({
  files: [`packages/${pkg}/src/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['@mcpgate/*', ...[pkg, ...allowed].map((a) => `!@mcpgate/${a}`)],
            message: `packages/${pkg} may import only ${allowed.length ? allowed.map((a) => `@mcpgate/${a}`).join(', ') : 'no workspace package'} (scripts/package-topology.mjs).`,
          },
          {
            group: ['../../*/src/*', '../../../*/src/*', '**/packages/*/src/**'],
            message: 'Import another package by its name, never through its sources.',
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'examples/**/sandbox/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Export names explicitly.' },
      ],
    },
  },
  ...topology,
  {
    // The console's browser code has its own tsconfig (DOM types, Preact JSX).
    files: ['packages/console/web/**/*.{ts,tsx}'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: {
        project: './packages/console/web/tsconfig.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Scripts, fixtures and launchers are plain Node ESM.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
    // Some scripts declare their globals in a /* global */ comment; that is not a redeclaration.
    rules: { 'no-redeclare': ['error', { builtinGlobals: false }] },
  },
  {
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);

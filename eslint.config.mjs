// Lint rules: typescript-eslint's recommended set, and the one architectural rule this project lives by:
// the sampler in src/sampler/ is pure TypeScript — no vscode, no onnxruntime, no Node built-ins,
// no reaching into the adapter, the CLI or the extension.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'test-artifacts/**', '**/*.mjs', 'bin/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/sampler/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'src/sampler/ is pure TypeScript: the VS Code API belongs in src/extension/.' },
            { name: 'onnxruntime-node', message: 'src/sampler/ is pure TypeScript: reach the network through the EpsModel interface.' },
          ],
          patterns: [
            { group: ['onnxruntime-*'], message: 'src/sampler/ is pure TypeScript: reach the network through the EpsModel interface.' },
            {
              group: ['node:*', 'fs', 'path', 'worker_threads', 'child_process'],
              message: 'src/sampler/ runs anywhere: no Node built-ins.',
            },
            {
              group: [
                '../model',
                '../model/*',
                '../io',
                '../io/*',
                '../extension',
                '../extension/*',
                '../cli',
                '../cli/*',
                '../runner',
                '../runner/*',
              ],
              message: 'src/sampler/ depends on nothing else in the project.',
            },
          ],
        },
      ],
    },
  },
  {
    // files only: reused by the CLI, the worker and the host alike
    files: ['src/io/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/io/ is plain Node: the VS Code API belongs in src/extension/.' }],
          patterns: [{ group: ['onnxruntime-*', '../*'], message: 'src/io/ depends on nothing else in the project.' }],
        },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The webview talks to the host only through src/protocol.ts.' }],
          patterns: [
            {
              group: ['onnxruntime-*', 'node:*', '../src/extension/*', '../src/model/*', '../src/io/*'],
              message: 'The webview talks to the host only through src/protocol.ts.',
            },
          ],
        },
      ],
    },
  },
);

import js from '@eslint/js';
import lwc from '@lwc/eslint-plugin-lwc';
import tseslint from 'typescript-eslint';

/** The Salesforce package's Lightning web components: plain JS with decorators, run in the browser. */
const LWC_FILES = ['app/salesforce/**/lwc/**/*.js'];
const LWC_TESTS = ['app/salesforce/**/lwc/**/__tests__/**/*.js'];

const readonly = (names) => Object.fromEntries(names.map((name) => [name, 'readonly']));
const BROWSER_GLOBALS = readonly([
  'window',
  'document',
  'navigator',
  'crypto',
  'console',
  'CustomEvent',
  'Event',
  'Node',
  'HTMLElement',
]);
const JEST_GLOBALS = readonly([
  'jest',
  'describe',
  'it',
  'test',
  'expect',
  'beforeAll',
  'beforeEach',
  'afterAll',
  'afterEach',
  'require',
  'setTimeout',
]);

/** Wire adapters a component may use with @wire, and only there. */
const WIRE_ADAPTERS = [
  ...[
    'getRecord',
    'getRecords',
    'getRecordUi',
    'getRecordCreateDefaults',
    'getObjectInfo',
    'getObjectInfos',
    'getPicklistValues',
    'getPicklistValuesByRecordType',
  ].map((identifier) => ({ module: 'lightning/ui*Api', identifier })),
  { module: 'lightning/navigation', identifier: 'CurrentPageReference' },
  { module: 'lightning/messageService', identifier: 'MessageContext' },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.data/',
      'dist/',
      'build/',
      'coverage/',
      'web/dist/',
      'hubspot-project/',
      'salesforce-package/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The flow of data runs one way: the product never imports the sandbox and vice versa.
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/sandbox/**'], message: 'server/ never imports sandbox/.' }] },
      ],
    },
  },
  {
    files: ['sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/server/**'], message: 'sandbox/ never imports server/.' }] },
      ],
    },
  },
  {
    // Lightning web components (@lwc/eslint-plugin-lwc, the rules of eslint-config-lwc's recommended set).
    // Parsed by typescript-eslint's parser, which reads the LWC decorators in plain JS: the plugin's
    // usual @babel/eslint-parser (7.x, for ESLint <= 9, installed only as the plugin's peer) gives no
    // `scopeManager.addGlobals`, which ESLint 10 calls.
    files: LWC_FILES,
    languageOptions: {
      parser: tseslint.parser,
      sourceType: 'module',
      globals: BROWSER_GLOBALS,
    },
    plugins: { '@lwc/lwc': lwc },
    rules: {
      '@lwc/lwc/consistent-component-name': 'error',
      '@lwc/lwc/no-api-reassignments': 'error',
      '@lwc/lwc/no-async-operation': 'error',
      '@lwc/lwc/no-attributes-during-construction': 'error',
      '@lwc/lwc/no-deprecated': 'error',
      '@lwc/lwc/no-disallowed-lwc-imports': 'error',
      '@lwc/lwc/no-document-query': 'error',
      '@lwc/lwc/no-inner-html': 'error',
      '@lwc/lwc/no-leading-uppercase-api-name': 'error',
      '@lwc/lwc/no-leaky-event-listeners': 'error',
      '@lwc/lwc/no-template-children': 'error',
      '@lwc/lwc/no-unexpected-wire-adapter-usages': ['error', { adapters: WIRE_ADAPTERS }],
      '@lwc/lwc/no-unknown-wire-adapters': [
        'error',
        { adapters: [...WIRE_ADAPTERS, { module: '@salesforce/apex/*', identifier: 'default' }] },
      ],
      '@lwc/lwc/prefer-custom-event': 'error',
      '@lwc/lwc/valid-api': 'error',
      '@lwc/lwc/valid-graphql-wire-adapter-callback-parameters': 'error',
      '@lwc/lwc/valid-track': 'error',
      '@lwc/lwc/valid-wire': 'error',
    },
  },
  {
    // Their sfdx-lwc-jest tests: jest's globals, require() for fixtures and isolated modules, the
    // test wire adapters' emit(), and a timer to let promises settle.
    files: LWC_TESTS,
    languageOptions: { globals: JEST_GLOBALS },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@lwc/lwc/no-unexpected-wire-adapter-usages': 'off',
      '@lwc/lwc/no-async-operation': 'off',
    },
  },
  {
    // CommonJS files in this ESM repo (the LWC tests' jest config, as sfdx-lwc-jest loads it; tools).
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: readonly(['require', 'module', '__dirname']),
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['server/model/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/crm/**',
                '**/jobs/**',
                '**/api/**',
                '**/sync/**',
                'bullmq',
                'express',
                '**/sandbox/**',
              ],
              message: 'server/model knows no CRM, queue or HTTP.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['server/db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*/**', '!../db/**', '**/sandbox/**'],
              message: 'server/db knows nothing above it.',
            },
          ],
        },
      ],
    },
  },
);

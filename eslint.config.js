// The linter that gates the tests (npm test runs it after the format check): JavaScript's and typescript-eslint's
// recommended rules, React's rules of hooks, and the layer rule below kept by test/layers.test.ts.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ignores: ['dist/', 'node_modules/', 'bench/results/', 'test/fixtures/']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		files: ['**/*.{ts,tsx}'],
		plugins: {'react-hooks': reactHooks},
		rules: {
			...reactHooks.configs.recommended.rules,
			// Unused values are mistakes, except a name starting with _ and the rest of a destructuring that drops fields.
			'@typescript-eslint/no-unused-vars': [
				'error',
				{argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true},
			],
			// kvmnet matches control characters on purpose: to show them safely (core/visible.ts), to refuse them in
			// names, and to read terminal input.
			'no-control-regex': 'off',
		},
	},
	{files: ['**/*.{js,mjs}'], languageOptions: {globals: globals.node}},
);

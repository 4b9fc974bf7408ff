export { default } from '@poc/eslint-config';

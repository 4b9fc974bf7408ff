export { default } from '@poc/vitest-config';

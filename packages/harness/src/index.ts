export * from './services/index.ts';
export * from './testing/index.ts';
export * from './bench/index.ts';

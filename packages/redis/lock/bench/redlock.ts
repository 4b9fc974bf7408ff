// redlock 5.0.0-beta.2 ships dist/index.d.ts, but its package.json "exports" map does not point to it,
// so TypeScript with moduleResolution NodeNext cannot find its types (TS7016). Import the runtime as
// usual and borrow the shipped types by path.
// @ts-expect-error TS7016, explained above
import RedlockRuntime from 'redlock';
import type RedlockType from '../node_modules/redlock/dist/index.js';

export const Redlock = RedlockRuntime as typeof RedlockType;

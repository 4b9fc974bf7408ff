export { eventually, type EventuallyOptions } from './eventually.ts';
export { uniqueName } from './names.ts';
export { spawnTsWorker, type WorkerProcess } from './workers.ts';
export { faultyLink, type FaultyLink } from './faulty-link.ts';
export { barrier, holdReplies, serverNowMs } from './interleave.ts';

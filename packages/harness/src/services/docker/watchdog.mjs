// The harness's own reaper, one per process that starts containers (see reaper.ts). Started with a
// pipe from its owner as stdin: end of input means the owner is gone, however it ended (exit, signal,
// SIGKILL). Then it removes every container labelled with the owner's key, and exits.
//   node watchdog.mjs <owner key>
// Plain JavaScript, so it runs without a TypeScript loader: while the owner lives it is an idle Node
// process waiting on a pipe.
const OWNER_LABEL = 'poc-harness.owner'; // reaper.ts's OWNER_LABEL

const key = process.argv[2];
if (!key) process.exit(2);

process.stdin.resume();
process.stdin.on('error', () => {});
// Its own session keeps a terminal's Ctrl-C and hang-up away; should they come anyway, the owner's pipe
// still tells the truth. SIGTERM ends the watchdog without touching a live owner's containers (the next
// run's sweep removes them if that owner dies later).
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('SIGTERM', () => process.exit(0));

let reaping;
function reap() {
  reaping ??= (async () => {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      const docker = (await getContainerRuntimeClient()).container.dockerode;
      // Retried briefly: a container the owner was creating as it died may appear a moment later.
      for (let i = 0; i < 3; i++) {
        const mine = await docker.listContainers({ all: true, filters: { label: [`${OWNER_LABEL}=${key}`] } });
        await Promise.all(
          mine.map((c) =>
            docker
              .getContainer(c.Id)
              .remove({ force: true, v: true })
              .catch(() => {}),
          ),
        );
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      process.exit(0);
    }
  })();
  return reaping;
}

process.stdin.on('end', () => void reap());
process.stdin.on('close', () => void reap());

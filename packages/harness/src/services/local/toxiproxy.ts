// toxiproxy-server as a throwaway process (built by tooling/scripts/install-services.sh through the Go
// module proxy into the harness cache, or found on PATH). Readiness: GET /version answers.
import { join } from 'node:path';
import getPort from 'get-port';
import { ServiceUnavailableError } from '../../errors.ts';
import { probeToxiproxy } from '../probes.ts';
import { findExecutable, missingBinaryHint } from './binaries.ts';
import { cacheHome, ServerDir, waitUntilReady } from './processes.ts';
import type { LocalProcessServer } from './redis.ts';

export async function startLocalToxiproxy(): Promise<LocalProcessServer> {
  const bin = findExecutable('toxiproxy-server', [join(cacheHome(), 'bin')]);
  if (!bin)
    throw new ServiceUnavailableError(
      missingBinaryHint('toxiproxy', 'POC_TOXIPROXY_URL', 'toxiproxy-server, built with Go'),
    );
  const port = await getPort({ host: '127.0.0.1' });
  const dir = new ServerDir('toxiproxy');
  const url = `http://127.0.0.1:${port}`;
  let version = 'unknown';
  const launch = async (): Promise<void> => {
    dir.spawn(bin, ['-host', '127.0.0.1', '-port', String(port)]);
    await waitUntilReady(
      dir,
      `toxiproxy-server on port ${port}`,
      async () => void (version = await probeToxiproxy(url)),
    );
  };
  try {
    await launch();
  } catch (e) {
    await dir.dispose();
    throw e;
  }
  return {
    url,
    get version() {
      return version;
    },
    port,
    dir,
    launch,
  };
}

// toxiproxy-server as a throwaway process (built by tooling/scripts/install-services.sh through the Go
// module proxy into the harness cache, or found on PATH). Readiness: GET /version answers. toxiproxy
// has no identity to ask for, so it relies on the cross-process port reservation and on noticing that
// the process exited (a failed bind ends it at once).
import { join } from 'node:path';
import { ServiceUnavailableError } from '../../errors.ts';
import { probeToxiproxy } from '../probes.ts';
import { findExecutable, missingBinaryHint } from './binaries.ts';
import { cacheHome } from './processes.ts';
import { startLocalServer, type LocalProcessServer } from './start.ts';

export function startLocalToxiproxy(): Promise<LocalProcessServer> {
  const bin = findExecutable('toxiproxy-server', [join(cacheHome(), 'bin')]);
  if (!bin)
    throw new ServiceUnavailableError(
      missingBinaryHint('toxiproxy', 'POC_TOXIPROXY_URL', 'toxiproxy-server, built with Go'),
    );
  return startLocalServer({
    service: 'toxiproxy',
    ports: 1,
    async prepare(_dir, [port]) {
      return {
        url: `http://127.0.0.1:${port}`,
        what: `toxiproxy-server on port ${port}`,
        command: { command: bin, args: ['-host', '127.0.0.1', '-port', String(port)] },
      };
    },
    probe: (url) => probeToxiproxy(url),
  });
}

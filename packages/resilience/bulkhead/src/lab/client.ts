// The client side of the lab: one Node process calling two dependencies over HTTP through ONE shared
// http.Agent whose `maxTotalSockets` caps the sockets of the whole process (as a sidecar's connection
// limit, a NAT's ports or an agent configured "to protect the service" would). That cap is the shared
// resource a slow dependency exhausts when nothing bounds its calls.
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { Operation } from '@poc/kit';

/** The shared agent: keep-alive sockets, at most `sockets` open across every origin. */
export const sharedAgent = (sockets: number): http.Agent =>
  new http.Agent({ keepAlive: true, maxSockets: sockets, maxTotalSockets: sockets });

/** Requests waiting in `agent` for a socket (every origin): the calls the shared resource is blocking. */
export const waitingForSocket = (agent: http.Agent): number =>
  Object.values(agent.requests).reduce((n, list) => n + (list?.length ?? 0), 0);

/** GET http://<listen>/work?dep=<dep> through `agent`, abortable by the operation's signal. */
export function dependency(listen: string, dep: 'fast' | 'slow', agent: http.Agent): Operation<string> {
  const url = `http://${listen}/work?dep=${dep}`;
  return (signal) =>
    new Promise<string>((resolve, reject) => {
      // One caller's signal may be shared by many concurrent calls (execute() without a signal shares one).
      setMaxListeners(0, signal);
      const req = http.get(url, { agent, signal }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`${dep}: HTTP ${res.statusCode}: ${body}`)),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
    });
}

/** Reads the service's counters (outside the shared agent, so reading never queues behind the test). */
export async function serviceStats(
  direct: string,
): Promise<{ received: { fast: number; slow: number }; answered: { fast: number; slow: number } }> {
  const res = await fetch(`http://${direct}/stats`);
  return (await res.json()) as never;
}

/** POST /hold|/release|/reset on the service, outside the shared agent. */
export async function control(direct: string, action: 'hold' | 'release' | 'reset', dep = 'slow'): Promise<void> {
  const res = await fetch(`http://${direct}/${action}?dep=${dep}`, { method: 'POST' });
  if (!res.ok) throw new Error(`${action} failed: HTTP ${res.status}`);
}

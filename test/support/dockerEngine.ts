import { existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

/** Where Docker engines (and Docker Desktop, rootless Docker) put their socket when DOCKER_HOST is unset. */
function candidateSockets(): string[] {
  const home = os.homedir();
  const runtimeDir = process.env['XDG_RUNTIME_DIR'];
  return [
    '/var/run/docker.sock',
    path.join(home, '.docker', 'run', 'docker.sock'),
    path.join(home, '.docker', 'desktop', 'docker.sock'),
    ...(runtimeDir === undefined ? [] : [path.join(runtimeDir, 'docker.sock')]),
  ];
}

/**
 * True when a Docker engine answers `GET /_ping` within `timeoutMs`. Quick and never hangs: a docker
 * CLI without an engine (as on the project's machines) gives false in milliseconds.
 */
export async function dockerEngineAnswers(timeoutMs = 1_500): Promise<boolean> {
  const dockerHost = process.env['DOCKER_HOST'];
  if (dockerHost !== undefined && dockerHost !== '') {
    if (dockerHost.startsWith('unix://'))
      return ping({ socketPath: dockerHost.slice('unix://'.length) }, timeoutMs);
    if (dockerHost.startsWith('tcp://')) {
      // A TLS engine cannot be pinged without its certificates; let testcontainers talk to it.
      if (process.env['DOCKER_TLS_VERIFY'] === '1') return true;
      const url = new URL(dockerHost.replace('tcp://', 'http://'));
      return ping({ host: url.hostname, port: Number(url.port || 2375) }, timeoutMs);
    }
    return false;
  }
  for (const socketPath of candidateSockets()) {
    if (existsSync(socketPath) && (await ping({ socketPath }, timeoutMs))) return true;
  }
  return false;
}

function ping(target: http.RequestOptions, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ ...target, path: '/_ping', timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

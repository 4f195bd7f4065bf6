import type { IncomingMessage } from 'node:http';
import { InsecureBindError } from '../../../src/errors';
import { startConsoleServer } from '../../../src/console/ConsoleServer';
import { hostAllowed } from '../../../src/http/serverLimits';

const named = (host: string | undefined): IncomingMessage =>
  ({ headers: host === undefined ? {} : { host } }) as IncomingMessage;

describe('HTTP servers of the operations endpoint and the console', () => {
  it('on loopback, answer only requests naming a loopback host (no DNS rebinding)', () => {
    for (const host of ['127.0.0.1:7480', 'localhost:7480', 'LOCALHOST', '[::1]:7480', '127.0.0.1'])
      expect(hostAllowed(named(host), '127.0.0.1')).toBe(true);
    for (const host of ['attacker.example:7480', 'attacker.example', '10.0.0.5:7480'])
      expect(hostAllowed(named(host), '127.0.0.1')).toBe(false);
    expect(hostAllowed(named(undefined), '127.0.0.1')).toBe(true);
    // Bound elsewhere, any name (the operator chose to be reachable by it).
    expect(hostAllowed(named('console.example:7480'), '0.0.0.0')).toBe(true);
  });

  it('spacelog console refuses an address other machines reach unless insecure is said', async () => {
    const handler = async (): Promise<boolean> => false;
    await expect(startConsoleServer({ handler, host: '0.0.0.0', port: 0 })).rejects.toBeInstanceOf(
      InsecureBindError,
    );
    const server = await startConsoleServer({ handler, host: '0.0.0.0', port: 0, insecure: true });
    await server.close();
  });
});

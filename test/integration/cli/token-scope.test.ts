import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../helpers/server.js';

/** A non-loopback address of this machine, when it has one (reaches a listener on every address). */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

/**
 * Issue 20, Low (and issue 23): `retrovue alert` sent the data folder's admin token to whatever
 * --server named. A listener stands in for "some other server" and records what it is sent;
 * it refuses every write with 401, as a real server refuses a foreign token.
 */
describe('retrovue alert sends the data folder\'s token only to its own server (real CLI)', () => {
  let listener: Server;
  let port: number;
  let dataDir: string;
  let token: string;
  const received: IncomingHttpHeaders[] = [];
  const configFile = (config: object) => {
    const file = path.join(tempDir('token-scope-config'), 'config.json');
    writeFileSync(file, JSON.stringify({ data_dir: dataDir, ...config }));
    return file;
  };
  const alert = (args: string[], env: Record<string, string> = {}) => runCli(['alert', 'Test', '--priority', '1', '--channels', '1', '--duration', '5', ...args], 30_000, { env });
  const send = (server: string, config: object, extra: string[] = [], env: Record<string, string> = {}) =>
    alert(['--server', server, '--config', configFile(config), ...extra], env);

  beforeAll(async () => {
    // runCli keeps RETROVUE_TOKEN and RETROVUE_SERVER of the shell that runs the tests away from the CLI.
    dataDir = path.join(tempDir('token-scope'), 'data');
    const made = await runCli(['token', '--data', dataDir, '--json']);
    token = (JSON.parse(made.stdout) as { token: string }).token;
    listener = createServer((request, response) => {
      received.push(request.headers);
      if (request.url?.startsWith('/elsewhere/')) {
        response.writeHead(307, { location: `http://127.0.0.1:${port}/api/alerts` }).end();
        return;
      }
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'credential_required', message: 'a token is required' }));
    });
    await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
    port = (listener.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => listener.close(resolve)));
  beforeEach(() => {
    received.length = 0;
  });

  it('keeps the token from a loopback server on another port than the config\'s, and says why on 401', async () => {
    const result = await send(`http://127.0.0.1:${port}`, { streaming: { port: port === 8080 ? 8081 : 8080 } });
    expect(received).toHaveLength(1);
    expect(received[0]!.authorization).toBeUndefined();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`the server at http://127.0.0.1:${port} needs a token: pass --token or set RETROVUE_TOKEN`);
    expect(result.stderr).toContain(`It said: a token is required; the admin token in ${path.join(dataDir, 'admin-token')} was not sent: it goes only to its own server`);
  });

  it.skipIf(!externalAddress)('keeps the token from another host on the config\'s port, named by --server or --host', async () => {
    await send(`http://${externalAddress}:${port}`, { streaming: { port } });
    await alert(['--host', externalAddress!, '--port', String(port), '--config', configFile({ streaming: { port } })]);
    expect(received).toHaveLength(2);
    expect(received.map((h) => h.authorization)).toEqual([undefined, undefined]);
  });

  it('sends the token to its own server: loopback on the config\'s port', async () => {
    await send(`http://localhost:${port}`, { streaming: { port } });
    expect(received.map((h) => h.authorization)).toEqual([`Bearer ${token}`]);
  });

  it('sends an explicit --token or RETROVUE_TOKEN wherever it is told', async () => {
    await send(`http://127.0.0.1:${port}`, { streaming: { port: 8080 } }, ['--token', 'given-on-the-command-line']);
    await send(`http://127.0.0.1:${port}`, { streaming: { port: 8080 } }, [], { RETROVUE_TOKEN: 'given-in-the-environment' });
    expect(received.map((h) => h.authorization)).toEqual(['Bearer given-on-the-command-line', 'Bearer given-in-the-environment']);
  });

  it('follows no redirect with the token: it was meant for the address given', async () => {
    const result = await send(`http://localhost:${port}/elsewhere`, { streaming: { port } });
    expect(received).toHaveLength(1);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`http://localhost:${port}/elsewhere answered with a redirect (307) to http://127.0.0.1:${port}/api/alerts; give the server's own address with --server`);
  });

  it('reaches the server by --host/--port as given to `serve`; on loopback --port names the token\'s own server', async () => {
    // Issue 23: `retrovue alert --port 8080` was refused as an unknown option.
    const byPort = await alert(['--port', String(port), '--config', configFile({ streaming: { port: 8080 } })]);
    const byHost = await alert(['--host', '127.0.0.1', '--port', String(port), '--data', dataDir]);
    // Beats a RETROVUE_SERVER set long ago.
    const overEnv = await alert(['--host', '0.0.0.0', '--port', String(port), '--data', dataDir], { RETROVUE_SERVER: 'http://127.0.0.1:9' });
    expect(received.map((h) => h.authorization)).toEqual([`Bearer ${token}`, `Bearer ${token}`, `Bearer ${token}`]);
    expect([byPort.code, byHost.code, overEnv.code]).toEqual([2, 2, 2]); // the listener refuses every write
    const bad = await alert(['--port', 'eighty', '--data', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--port: must be a number (got "eighty")');
    const both = await alert(['--port', String(port), '--server', `http://127.0.0.1:${port}`, '--data', dataDir]);
    expect(both.stderr).toContain('give the server either as --server URL or as --host/--port, not both');
    expect(received).toHaveLength(3);
  });

  it('keeps the token of a ./data in the folder it runs in from a server that is not its own', async () => {
    // Issue 23: after scripts/quickstart.sh the checkout holds ./data/admin-token; a CLI run there
    // (as the tests once ran it) against another server must not send that station's token.
    const cwd = tempDir('token-scope-cwd');
    const made = await runCli(['token', '--json'], 30_000, { cwd });
    expect(made.code).toBe(0);
    const result = await runCli(['alert', 'Test', '--priority', '1', '--channels', '1', '--duration', '5', '--server', `http://127.0.0.1:${port}`], 30_000, { cwd });
    expect(received).toHaveLength(1);
    expect(received[0]!.authorization).toBeUndefined();
    expect(result.stderr).toContain(`the admin token in ${path.join(cwd, 'data', 'admin-token')} was not sent`);
  });
});

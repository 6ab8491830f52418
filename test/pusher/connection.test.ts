import { Collector } from '@chat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { bodyOf, rawHandshake } from '../gateway/helpers/raw-handshake.js';
import { APP, appsFile, serverSdk } from './support/pusher-cluster.js';
import { collect, connected, disconnect, pusherClient, subscribed } from './support/pusher-client.js';

/** A raw protocol-7 socket (the `ws` package), to see frames and close codes pusher-js would hide. */
class RawPusherSocket {
  readonly frames = new Collector<{ event: string; data?: unknown; channel?: string }>();
  readonly closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString()) as { event: string }));
    this.closed = new Promise((resolve) => ws.once('close', (code: number) => resolve(code)));
  }

  static open(port: number, key: string, query = 'protocol=7&client=js&version=8.4.0'): RawPusherSocket {
    return new RawPusherSocket(new WebSocket(`ws://127.0.0.1:${port}/app/${key}?${query}`));
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  async event(name: string): Promise<{ event: string; data?: unknown }> {
    const items = await this.frames.waitFor((frames) => frames.some((frame) => frame.event === name), { what: name });
    return items.find((frame) => frame.event === name) as { event: string; data?: unknown };
  }
}

let node: TestNode;
const sockets: RawPusherSocket[] = [];
const raw = (...args: Parameters<typeof RawPusherSocket.open>): RawPusherSocket => {
  const socket = RawPusherSocket.open(...args);
  sockets.push(socket);
  return socket;
};

beforeAll(async () => {
  // One node on the embedded backend: the protocol is the same without Redis.
  node = await startNode('solo', undefined, {
    PUSHER_APP_ID: APP.id,
    PUSHER_APP_KEY: APP.key,
    PUSHER_APP_SECRET: APP.secret,
    PUSHER_APPS_FILE: appsFile([
      { id: 'off', key: 'off-key', secret: 'off-secret-000', enabled: false },
      { id: 'small', key: 'small-key', secret: 'small-secret-000', max_connections: 1 },
    ]),
    PUSHER_ACTIVITY_TIMEOUT_S: '1',
    PUSHER_PONG_TIMEOUT_MS: '300',
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await node.drain();
});

describe('the Pusher connection: handshake, pings and error codes', () => {
  it('greets with connection_established and answers pusher:ping', async () => {
    const socket = raw(node.port, APP.key);
    const established = await socket.event('pusher:connection_established');
    const data = JSON.parse(established.data as string) as { socket_id: string; activity_timeout: number };
    expect(data.socket_id).toMatch(/^\d+\.\d+$/);
    expect(data.activity_timeout).toBe(1);
    socket.send({ event: 'pusher:ping', data: {} });
    await socket.event('pusher:pong');
  });

  it('pings a silent client and closes it with 4201 when no pong comes', async () => {
    const socket = raw(node.port, APP.key);
    await socket.event('pusher:ping');
    expect(await socket.closed).toBe(4201);
  });

  it('pusher-js keeps an idle connection alive through ping/pong', async () => {
    const client = pusherClient(node.port, { activityTimeout: 60_000 });
    const exchanges = new Collector<string>();
    client.connection.bind('message', (message: { event?: string }) => {
      if (message.event === 'pusher:ping' || message.event === 'pusher:pong') exchanges.push(message.event);
    });
    await connected(client);
    const events = collect<string>(await subscribed(client, 'alive'), 'e');
    // Three exchanges of a 1 s activity timeout, each answered in time (the pong timeout is 300 ms).
    await exchanges.waitForCount(3);
    await serverSdk(node.port).trigger('alive', 'e', 'still here');
    await events.waitForCount(1);
    expect(client.connection.state).toBe('connected');
    await disconnect(client);
  });

  it('refuses a disabled app (4003), an unsupported protocol (4007) and an app over its quota (4004)', async () => {
    const off = raw(node.port, 'off-key');
    expect(((await off.event('pusher:error')).data as { code: number }).code).toBe(4003);
    expect(await off.closed).toBe(4003);
    const old = raw(node.port, APP.key, 'protocol=3');
    expect(await old.closed).toBe(4007);
    const first = raw(node.port, 'small-key');
    await first.event('pusher:connection_established');
    const second = raw(node.port, 'small-key');
    expect(((await second.event('pusher:error')).data as { code: number }).code).toBe(4004);
    expect(await second.closed).toBe(4004);
  });

  it('accepts a browser of another origin, as Pusher does (ALLOWED_ORIGINS unset)', async () => {
    const socket = new RawPusherSocket(new WebSocket(`ws://127.0.0.1:${node.port}/app/${APP.key}?protocol=7`, { headers: { Origin: 'https://app.example' } }));
    sockets.push(socket);
    await socket.event('pusher:connection_established');
  });

  it('refuses a malformed handshake in the JSON error shape, as /ws does, not with a text/html page', async () => {
    const noKey = await rawHandshake(node.port, `/app/${APP.key}?protocol=7`, 'Sec-WebSocket-Version: 13\r\n');
    expect(noKey).toMatch(/^HTTP\/1\.1 400 /);
    expect(noKey).toMatch(/content-type: application\/json/i);
    expect(bodyOf(noKey)).toMatchObject({ error: { code: 'bad_request' } });
    const badVersion = await rawHandshake(node.port, `/app/${APP.key}?protocol=7`, 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n');
    expect(badVersion).toMatch(/sec-websocket-version: 13, 8/i);
  });

  it('answers a malformed frame with pusher:error and keeps the connection', async () => {
    const socket = raw(node.port, APP.key);
    await socket.event('pusher:connection_established');
    socket.ws.send('not json');
    await socket.event('pusher:error');
    socket.send({ event: 'pusher:subscribe', data: { channel: 'bad name!' } });
    const refusal = await socket.event('pusher:subscription_error');
    expect(refusal.data).toMatchObject({ status: 400 });
    socket.send({ event: 'pusher:ping', data: {} });
    await socket.event('pusher:pong');
  });

  it('/metrics counts Pusher connections per app and /admin/api/pusher lists apps without their secrets', async () => {
    const socket = raw(node.port, APP.key);
    await socket.event('pusher:connection_established');
    socket.send({ event: 'pusher:subscribe', data: { channel: 'watched' } });
    await socket.event('pusher_internal:subscription_succeeded');
    const metrics = await (await fetch(`${node.http}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`pusher_connections\\{[^}]*app="${APP.id}"[^}]*\\} [1-9]`));
    const admin = (await (await fetch(`${node.http}/admin/api/pusher`)).json()) as { apps: Array<{ id: string; key: string; localChannels: Record<string, number> }> };
    const app = admin.apps.find((entry) => entry.id === APP.id);
    expect(app?.localChannels).toMatchObject({ watched: 1 });
    expect(JSON.stringify(admin)).not.toContain(APP.secret);
  });

  it('a draining node tells its clients 4200, so they reconnect at once elsewhere', async () => {
    const socket = raw(node.port, APP.key);
    await socket.event('pusher:connection_established');
    const drained = node.drain();
    expect(((await socket.event('pusher:error')).data as { code: number }).code).toBe(4200);
    expect(await socket.closed).toBe(4200);
    await drained;
  });
});

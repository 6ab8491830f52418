import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { Resources } from '../gateway/helpers/resources.js';
import { HonestPair } from './helpers/honest.js';
import { errorCodeOf, httpRequest, probeWs } from './helpers/probes.js';

const resources = new Resources();
let sameHost: TestNode;
let listed: TestNode;
let honest: HonestPair;

const FOREIGN = ['http://evil.example', 'null', 'http://127.0.0.1.evil.example', 'http://127.0.0.1:1', 'not a url'];

beforeAll(async () => {
  sameHost = await startNode('origin-default', undefined);
  resources.track({ close: () => sameHost.drain() });
  listed = await startNode('origin-listed', undefined, { ALLOWED_ORIGINS: 'https://chat.example, https://other.example' });
  resources.track({ close: () => listed.drain() });
  const sender = resources.track(await JsonWsClient.connect(sameHost.ws, { nick: 'honest-a' }));
  const receiver = resources.track(await JsonWsClient.connect(sameHost.ws, { nick: 'honest-b' }));
  honest = await HonestPair.join(sender, receiver, 'origin-room');
});

afterAll(() => resources.closeAll());

describe('ALLOWED_ORIGINS unset: only the same host may open WebSocket and SSE from a browser', () => {
  for (const origin of FOREIGN) {
    it(`Origin ${JSON.stringify(origin)}: ws and ws/line close 1008 before any frame, SSE answers 403`, async () => {
      for (const path of ['/ws', '/ws/line'] as const) {
        const outcome = await probeWs(`${sameHost.ws}${path}`, { origin });
        expect(outcome.close?.code, `${path} from ${origin}`).toBe(1008);
        expect(outcome.frames).toEqual([]);
      }
      const sse = await httpRequest(sameHost, '/sse?rooms=origin-room', { headers: { origin } });
      expect(sse.status).toBe(403);
      expect(errorCodeOf(sse)).toBe('forbidden');
      await honest.check();
    });
  }

  it('the same host as Origin, and no Origin at all, are accepted on ws and SSE', async () => {
    const own = `http://127.0.0.1:${sameHost.port}`;
    const client = resources.track(await JsonWsClient.connect(sameHost.ws));
    expect(client.welcome.type).toBe('welcome');
    for (const origin of [own]) {
      const accepted = await probeWs(`${sameHost.ws}/ws`, { origin, frameCount: 1 });
      expect(JSON.parse(accepted.frames[0] ?? '{}')).toMatchObject({ type: 'welcome' });
      const sse = await httpRequest(sameHost, '/sse?rooms=origin-room', { headers: { origin }, until: (body) => body.includes('event: joined') });
      expect(sse.status).toBe(200);
      expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);
    }
    const noOrigin = await httpRequest(sameHost, '/sse?rooms=origin-room', { until: (body) => body.includes('event: joined') });
    expect(noOrigin.status).toBe(200);
    await honest.check();
  });
});

describe('ALLOWED_ORIGINS set: exactly the listed origins', () => {
  it('a listed origin is accepted; the node\'s own host and foreign origins are refused', async () => {
    const accepted = await probeWs(`${listed.ws}/ws`, { origin: 'https://chat.example', frameCount: 1 });
    expect(JSON.parse(accepted.frames[0] ?? '{}')).toMatchObject({ type: 'welcome' });
    const ok = await httpRequest(listed, '/sse?rooms=r', { headers: { origin: 'https://other.example' }, until: (body) => body.includes('event: joined') });
    expect(ok.status).toBe(200);
    for (const origin of [`http://127.0.0.1:${listed.port}`, 'https://chat.example.evil.example', 'http://chat.example', 'https://chat.example:8443']) {
      expect((await probeWs(`${listed.ws}/ws`, { origin })).close?.code, origin).toBe(1008);
      expect((await httpRequest(listed, '/sse?rooms=r', { headers: { origin } })).status, origin).toBe(403);
    }
    await honest.check();
  });
});

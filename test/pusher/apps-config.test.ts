import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../services/gateway/src/config.js';
import { appsFile } from './support/pusher-cluster.js';

describe('Pusher apps from the environment and PUSHER_APPS_FILE', () => {
  it('reads one app from PUSHER_APP_* with its webhook URLs, and more from the file', () => {
    const config = loadConfig({
      PUSHER_APP_ID: '1',
      PUSHER_APP_KEY: 'key-1',
      PUSHER_APP_SECRET: 'secret-0001',
      PUSHER_WEBHOOK_URL: 'http://a.example/hook, http://b.example/hook',
      PUSHER_APPS_FILE: appsFile([{ id: 2, key: 'key-2', secret: 'secret-0002', webhooks: [{ url: 'http://c.example/hook', event_types: ['client_event'] }], max_connections: 5 }]),
    });
    const [first, second] = config.pusher.apps;
    expect(first).toMatchObject({ id: '1', key: 'key-1', enabled: true, clientEventsPerSec: 10, maxConnections: 0 });
    expect(first?.webhooks.map((target) => target.url.href)).toEqual(['http://a.example/hook', 'http://b.example/hook']);
    expect(second).toMatchObject({ id: '2', key: 'key-2', maxConnections: 5 });
    expect(second?.webhooks[0]?.eventTypes).toEqual(['client_event']);
  });

  it('names the variable of a bad app definition', () => {
    expect(() => loadConfig({ PUSHER_APP_ID: '1' })).toThrow(ConfigError);
    expect(() => loadConfig({ PUSHER_APP_ID: '1' })).toThrow(/PUSHER_APP_ID, PUSHER_APP_KEY, PUSHER_APP_SECRET/);
    expect(() => loadConfig({ PUSHER_APP_ID: '1', PUSHER_APP_KEY: 'k', PUSHER_APP_SECRET: 'short' })).toThrow(/PUSHER_APP_\*.*secret/);
    expect(() => loadConfig({ PUSHER_APPS_FILE: '/no/such/file.json' })).toThrow(/PUSHER_APPS_FILE/);
    expect(() => loadConfig({ PUSHER_APPS_FILE: appsFile([{ id: '1', key: 'k', secret: 'secret-0001', webhooks: ['ftp://x'] }]) })).toThrow(/PUSHER_APPS_FILE/);
    const twice = appsFile([{ id: '1', key: 'same', secret: 'secret-0001' }, { id: '2', key: 'same', secret: 'secret-0002' }]);
    expect(() => loadConfig({ PUSHER_APPS_FILE: twice })).toThrow(/key 'same' is used twice/);
  });
});

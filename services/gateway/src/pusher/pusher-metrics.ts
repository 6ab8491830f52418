import { Counter, Gauge, type Registry } from 'prom-client';

interface AppCounters {
  connections: number;
  deliveries: number;
  clientEvents: number;
  apiEvents: number;
  webhooksSent: number;
  webhooksFailed: number;
}

/** Per-app figures of the Pusher protocol, read by prom-client only when /metrics is scraped. */
export class PusherMetrics {
  private readonly apps = new Map<string, AppCounters>();

  constructor(registry: Registry, appIds: readonly string[]) {
    for (const id of appIds) this.apps.set(id, { connections: 0, deliveries: 0, clientEvents: 0, apiEvents: 0, webhooksSent: 0, webhooksFailed: 0 });
    const apps = this.apps;
    const metric = (name: string, help: string, field: keyof AppCounters, kind: 'gauge' | 'counter'): void => {
      const Metric = kind === 'gauge' ? Gauge : Counter;
      registry.registerMetric(
        new Metric({
          name,
          help,
          labelNames: ['app'] as const,
          registers: [],
          collect(this: Gauge<'app'> | Counter<'app'>) {
            this.reset();
            for (const [app, counters] of apps) this.inc({ app }, counters[field]);
          },
        }),
      );
    };
    metric('pusher_connections', 'Open Pusher-protocol connections on this node, by app', 'connections', 'gauge');
    metric('pusher_deliveries_total', 'Pusher events written to sockets, by app', 'deliveries', 'counter');
    metric('pusher_client_events_total', 'client-* events relayed, by app', 'clientEvents', 'counter');
    metric('pusher_api_events_total', 'Events published through the HTTP API, by app', 'apiEvents', 'counter');
    metric('pusher_webhooks_sent_total', 'Webhook events delivered, by app', 'webhooksSent', 'counter');
    metric('pusher_webhooks_failed_total', 'Webhook deliveries that failed (and will be retried), by app', 'webhooksFailed', 'counter');
  }

  /** The counters of one app (a throwaway for an unknown one). */
  of(appId: string): AppCounters {
    return this.apps.get(appId) ?? { connections: 0, deliveries: 0, clientEvents: 0, apiEvents: 0, webhooksSent: 0, webhooksFailed: 0 };
  }
}

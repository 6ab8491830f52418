import type { BrokerObserver, RoomMessage } from '@chat/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type TransportName = 'ws' | 'ws_line' | 'sse' | 'xhr_stream' | 'pushlet' | 'poll' | 'tcp' | 'http' | 'pusher';
const TRANSPORTS: readonly TransportName[] = ['ws', 'ws_line', 'sse', 'xhr_stream', 'pushlet', 'poll', 'tcp', 'http', 'pusher'];

/** Plain counters on the hot path; prom-client reads them only when /metrics is scraped. */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly connections = Object.fromEntries(TRANSPORTS.map((t) => [t, 0])) as Record<TransportName, number>;
  readonly received = Object.fromEntries(TRANSPORTS.map((t) => [t, 0])) as Record<TransportName, number>;
  readonly deliveries = Object.fromEntries(TRANSPORTS.map((t) => [t, 0])) as Record<TransportName, number>;
  readonly slowConsumers = Object.fromEntries(TRANSPORTS.map((t) => [t, 0])) as Record<TransportName, number>;
  published = 0;
  brokerReconnects = 0;
  brokerConnected = false;
  /** Requests refused by a limit since start, by limit (for /admin). */
  readonly limitViolations = new Map<string, number>();
  private readonly errors = new Counter({ name: 'chat_client_errors_total', help: 'Errors sent to clients, by code', labelNames: ['code'] as const, registers: [] });
  private readonly limits = new Counter({ name: 'chat_limit_violations_total', help: 'Requests refused by a limit, by limit', labelNames: ['limit'] as const, registers: [] });
  private readonly deliveryLatency = new Histogram({
    name: 'chat_delivery_latency_seconds',
    help: 'From publish (on any node) to the message reaching this node, before fan-out to its members',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [],
  });
  private readonly brokerRoundTrips = new Histogram({
    name: 'chat_broker_round_trip_seconds',
    help: 'Duration of calls to the broker (on Redis: one round trip each), failed ones included',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [],
  });
  private readonly brokerErrors = new Counter({ name: 'chat_broker_errors_total', help: 'Broker calls that failed (Redis unreachable, timed out or refused)', registers: [] });

  constructor(nodeId: string) {
    this.registry.setDefaultLabels({ node: nodeId });
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    const byTransport = (name: string, help: string, source: Record<TransportName, number>, kind: 'gauge' | 'counter') => {
      const Metric = kind === 'gauge' ? Gauge : Counter;
      this.registry.registerMetric(
        new Metric({
          name,
          help,
          labelNames: ['transport'] as const,
          registers: [],
          collect(this: Gauge<'transport'> | Counter<'transport'>) {
            this.reset();
            for (const transport of TRANSPORTS) this.inc({ transport }, source[transport]);
          },
        }),
      );
    };
    byTransport('chat_connections', 'Open client connections, by transport', this.connections, 'gauge');
    byTransport('chat_messages_received_total', 'Messages sent by clients, by transport', this.received, 'counter');
    byTransport('chat_deliveries_total', 'Messages written to clients, by transport', this.deliveries, 'counter');
    byTransport('chat_slow_consumer_disconnects_total', 'Clients dropped because their outgoing buffer was full', this.slowConsumers, 'counter');
    // Arrow functions read this object; prom-client calls collect() with the metric as `this`.
    const published = (): number => this.published;
    const reconnects = (): number => this.brokerReconnects;
    const connected = (): boolean => this.brokerConnected;
    this.registry.registerMetric(
      new Counter({ name: 'chat_messages_published_total', help: 'Messages stored and published by this node', registers: [], collect() { this.reset(); this.inc(published()); } }),
    );
    this.registry.registerMetric(
      new Counter({ name: 'chat_broker_reconnects_total', help: 'Times the broker connection came back', registers: [], collect() { this.reset(); this.inc(reconnects()); } }),
    );
    this.registry.registerMetric(
      new Gauge({ name: 'chat_broker_connected', help: '1 when the broker is connected', registers: [], collect() { this.set(connected() ? 1 : 0); } }),
    );
    this.registry.registerMetric(this.errors);
    this.registry.registerMetric(this.limits);
    this.registry.registerMetric(this.deliveryLatency);
    this.registry.registerMetric(this.brokerRoundTrips);
    this.registry.registerMetric(this.brokerErrors);
  }

  clientError(code: string): void {
    this.errors.inc({ code });
  }

  limitViolation(limit: string): void {
    this.limits.inc({ limit });
    this.limitViolations.set(limit, (this.limitViolations.get(limit) ?? 0) + 1);
  }

  /** Feeds the latency and round-trip histograms from the broker: `broker.observe(metrics.brokerObserver)`. */
  readonly brokerObserver: BrokerObserver = {
    messageArrived: (message: RoomMessage) => this.deliveryLatency.observe(Math.max(0, Date.now() - message.ts) / 1000),
    roundTrip: (seconds: number, failed: boolean) => {
      this.brokerRoundTrips.observe(seconds);
      if (failed) this.brokerErrors.inc();
    },
  };
}

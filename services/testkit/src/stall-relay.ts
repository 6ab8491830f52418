import { connect, createServer, type Server, type Socket } from 'node:net';

/** Where a relay forwards to. */
export interface RelayTarget {
  readonly host: string;
  readonly port: number;
}

/** Both ends of one relayed connection. */
interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  stalled: boolean;
  /** When a byte last went either way. */
  lastActivity: number;
}

export interface StallOptions {
  /**
   * Leaves alone connections over which nothing went for at least this long (idle keep-alive
   * sockets a browser keeps for later requests), stalling only those in use. Default: none spared.
   */
  readonly spareIdleMs?: number;
}

/**
 * A TCP relay on loopback that can stop forwarding without telling anyone: `stall()` leaves every
 * connection open now open on both sides and moves not one more byte over it, no FIN, no RST.
 * That is what a dead NAT entry, a laptop's sleeping Wi-Fi or a crashed middlebox looks like to
 * both ends. Connections made after the stall are relayed normally, as a new connection gets a
 * new NAT entry; so a client that notices the silence and reconnects gets through.
 */
export class StallRelay {
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Listens on a free port of `host` and relays each connection to `target`. */
  static async start(target: RelayTarget, host = '127.0.0.1'): Promise<StallRelay> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('the relay has no port');
    const relay = new StallRelay(server, host, address.port);
    server.on('connection', (client) => relay.relay(client, target));
    return relay;
  }

  /** `http://host:port` */
  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** Connections relayed or stalled right now. */
  get open(): number {
    return this.pairs.size;
  }

  /** Stops forwarding on every open connection, both ways, leaving them open; returns how many. */
  stall({ spareIdleMs = Number.POSITIVE_INFINITY }: StallOptions = {}): number {
    let count = 0;
    const now = Date.now();
    for (const pair of this.pairs) {
      if (pair.stalled || now - pair.lastActivity >= spareIdleMs) continue;
      pair.stalled = true;
      count++;
      // Unread bytes stay in the kernel's buffers: each sender sees a full window, never an error.
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.client.pause();
      pair.upstream.pause();
    }
    return count;
  }

  /** Closes the listener and destroys every connection, stalled ones included. */
  async close(): Promise<void> {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, target: RelayTarget): void {
    const upstream = connect({ host: target.host, port: target.port });
    const pair: Pair = { client, upstream, stalled: false, lastActivity: Date.now() };
    this.pairs.add(pair);
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.on('data', () => (pair.lastActivity = Date.now()));
      socket.on('error', () => undefined);
      socket.once('close', () => {
        // A stalled connection forwards no end either: its other side stays open until close().
        if (pair.stalled) return;
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

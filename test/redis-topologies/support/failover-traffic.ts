import { BrokerUnavailableError, type Broker, type RoomMessage, type RoomPosition } from '@chat/core';
import { Collector } from '@chat/testkit';
import { roomsOf } from '../../contract/room-layer.js';

/** What one failover run saw, for assertions and for the report. */
export interface FailoverReport {
  readonly acked: number;
  readonly delivered: number;
  /** Acked messages of the final epoch that the listener never got. */
  readonly lostInEpoch: number;
  /** Acked messages of an earlier epoch the listener never got (data lost, reported as a new epoch). */
  readonly lostWithEpochChange: number;
  readonly duplicates: number;
  readonly gapsInEpoch: number;
  readonly epochChanges: number;
  /** From the kill to the first publish acked again. */
  readonly publishOutageMs: number;
  /** How long the listening node reported not ready. */
  readonly listenerNotReadyMs: number;
  /** From the kill until the listener delivered the first message acked after it (and so all before it). */
  readonly listenerCaughtUpMs: number;
}

const key = (epoch: string, offset: number): string => `${epoch}/${offset}`;

/**
 * Publishes from `publisher` every `intervalMs` (a failed send is retried with its client id, as
 * a client would) while `listener` node delivers the room; starts `kill` after `beforeKillMs` and
 * keeps going until `afterRecoveryMs` after the first acked publish following it (and until `kill` is done).
 */
export async function runFailoverTraffic(options: {
  publisher: Broker;
  listener: Broker;
  room: string;
  kill: () => Promise<void>;
  intervalMs?: number;
  beforeKillMs?: number;
  afterRecoveryMs?: number;
  timeoutMs?: number;
}): Promise<FailoverReport> {
  const { publisher, listener, room, kill, intervalMs = 10, beforeKillMs = 1000, afterRecoveryMs = 1500, timeoutMs = 30_000 } = options;
  const received = new Collector<RoomMessage>();
  const receivedAt = new Map<string, number>();
  const epochs: RoomPosition[] = [];
  let notReadySince: number | undefined;
  let notReadyMs = 0;
  listener.onHealth((event) => {
    if (event.type === 'disconnected') notReadySince ??= Date.now();
    if (event.type === 'connected' && notReadySince !== undefined) {
      notReadyMs += Date.now() - notReadySince;
      notReadySince = undefined;
    }
  });
  const onMessage = (message: RoomMessage): void => {
    receivedAt.set(key(message.epoch, message.offset), Date.now());
    received.push(message);
  };
  await roomsOf(listener).listen(room, { onMessage, onEpochChange: (_room, position) => void epochs.push(position) });

  const acked = new Map<string, string>();
  let killedAt: number | undefined;
  let killing: Promise<void> | undefined;
  let firstAckAfterKill: number | undefined;
  let firstKeyAfterKill = '';
  const deadline = Date.now() + timeoutMs;
  const started = Date.now();
  for (let i = 1; ; i++) {
    const now = Date.now();
    if (killedAt === undefined && now - started >= beforeKillMs) {
      killedAt = Date.now();
      // Not awaited: traffic keeps flowing while the fault (or a slot migration) unfolds.
      killing = kill();
      killing.catch(() => undefined);
    }
    if (firstAckAfterKill !== undefined && now - firstAckAfterKill >= afterRecoveryMs && (await settled(killing))) break;
    if (now > deadline) throw new Error(`no publish was acked within ${timeoutMs} ms of the kill`);
    const text = `m${i}`;
    for (;;) {
      try {
        const result = await publisher.publish(room, { nick: 'pub', text, cid: `c${i}` });
        acked.set(key(result.epoch, result.offset), text);
        if (killedAt !== undefined && firstAckAfterKill === undefined) {
          firstAckAfterKill = Date.now();
          firstKeyAfterKill = key(result.epoch, result.offset);
        }
        break;
      } catch (error) {
        if (!(error instanceof BrokerUnavailableError) && !(error instanceof Error && /CLUSTERDOWN|TRYAGAIN|READONLY|MOVED|ASK/.test(error.message))) throw error;
        if (Date.now() > deadline) throw new Error(`no publish was acked within ${timeoutMs} ms of the kill`, { cause: error });
        await sleep(intervalMs);
      }
    }
    await sleep(intervalMs);
  }
  await killing;
  const finalEpoch = [...acked.keys()].at(-1)!.split('/')[0]!;
  const inFinal = [...acked.keys()].filter((k) => k.startsWith(`${finalEpoch}/`));
  const has = (items: readonly RoomMessage[]) => new Set(items.map((m) => key(m.epoch, m.offset)));
  await received
    .waitFor((items) => inFinal.every((k) => has(items).has(k)), { timeoutMs: 15_000, what: 'every acked message of the final epoch' })
    .catch(() => undefined);
  const seen = has(received.items);
  let duplicates = 0;
  let gapsInEpoch = 0;
  const counted = new Set<string>();
  let previous: RoomMessage | undefined;
  for (const message of received.items) {
    const k = key(message.epoch, message.offset);
    if (counted.has(k)) duplicates++;
    counted.add(k);
    if (previous && previous.epoch === message.epoch && message.offset !== previous.offset + 1) gapsInEpoch++;
    previous = message;
  }
  let lostInEpoch = 0;
  let lostWithEpochChange = 0;
  for (const k of acked.keys()) {
    if (seen.has(k)) continue;
    if (k.startsWith(`${finalEpoch}/`)) lostInEpoch++;
    else lostWithEpochChange++;
  }
  return {
    acked: acked.size,
    delivered: received.items.length,
    lostInEpoch,
    lostWithEpochChange,
    duplicates,
    gapsInEpoch,
    epochChanges: epochs.length,
    publishOutageMs: firstAckAfterKill - killedAt!,
    // An outage still going on when traffic stopped counts up to now.
    listenerNotReadyMs: notReadyMs + (notReadySince === undefined ? 0 : Date.now() - notReadySince),
    listenerCaughtUpMs: (receivedAt.get(firstKeyAfterKill) ?? Number.NaN) - killedAt!,
  };
}

const settled = (promise: Promise<void> | undefined): Promise<boolean> =>
  Promise.race([promise?.then(() => true, () => true) ?? Promise.resolve(true), sleep(0).then(() => false)]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

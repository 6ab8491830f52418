import type { ChatMessage, RoomPosition } from '@chat/protocol';

/** A stored send as a test records it: where it went, its cid and the node that answered. */
export interface Ack extends RoomPosition {
  readonly room: string;
  readonly cid: string;
  readonly node: string;
}

/** How one client's received messages compare with what the cluster acknowledged. */
export interface DeliveryReport {
  /** Acknowledged messages this client never received. */
  readonly lost: number;
  /** Messages received twice at the same (room, epoch, offset): harmless, removed by dedupe. */
  readonly redelivered: number;
  /** After dedupe by (room, epoch, offset): one send stored at two offsets (same text twice). */
  readonly duplicates: number;
  /** First arrivals whose offset is not above the previous one in the same room and epoch. */
  readonly outOfOrder: number;
  /** Offsets missing between the first and last received, per room and epoch. */
  readonly gaps: number;
}

/** Compares `received` (arrival order, backfill included) with `acks`; only acked rooms/epochs count. */
export function checkDelivery(received: readonly ChatMessage[], acks: readonly Ack[]): DeliveryReport {
  const streams = new Set(acks.map((ack) => `${ack.room}|${ack.epoch}`));
  const firstSeen = new Map<string, ChatMessage>();
  const lastOffset = new Map<string, number>();
  let redelivered = 0;
  let outOfOrder = 0;
  for (const message of received) {
    const stream = `${message.room}|${message.epoch}`;
    if (!streams.has(stream)) continue;
    const key = `${stream}|${message.offset}`;
    if (firstSeen.has(key)) {
      redelivered++;
      continue;
    }
    firstSeen.set(key, message);
    if (message.offset <= (lastOffset.get(stream) ?? 0)) outOfOrder++;
    lastOffset.set(stream, message.offset);
  }
  const lost = acks.filter((ack) => !firstSeen.has(`${ack.room}|${ack.epoch}|${ack.offset}`)).length;
  const texts = new Map<string, number>();
  for (const message of firstSeen.values()) texts.set(`${message.room}|${message.text}`, (texts.get(`${message.room}|${message.text}`) ?? 0) + 1);
  const duplicates = [...texts.values()].reduce((sum, count) => sum + count - 1, 0);
  let gaps = 0;
  for (const stream of streams) {
    const offsets = [...firstSeen.values()].filter((message) => `${message.room}|${message.epoch}` === stream).map((message) => message.offset);
    if (offsets.length > 0) gaps += Math.max(...offsets) - Math.min(...offsets) + 1 - offsets.length;
  }
  return { lost, redelivered, duplicates, outOfOrder, gaps };
}

/** Sums the reports of many clients. */
export function sumReports(reports: readonly DeliveryReport[]): DeliveryReport {
  const total = { lost: 0, redelivered: 0, duplicates: 0, outOfOrder: 0, gaps: 0 };
  for (const report of reports) {
    total.lost += report.lost;
    total.redelivered += report.redelivered;
    total.duplicates += report.duplicates;
    total.outOfOrder += report.outOfOrder;
    total.gaps += report.gaps;
  }
  return total;
}

/** Acks that claim two different offsets for one cid: the server stored a retried send twice. */
export function conflictingAcks(acks: readonly Ack[]): number {
  const byCid = new Map<string, string>();
  let conflicts = 0;
  for (const ack of acks) {
    const position = `${ack.room}|${ack.epoch}|${ack.offset}`;
    const previous = byCid.get(ack.cid);
    if (previous !== undefined && previous !== position) conflicts++;
    byCid.set(ack.cid, position);
  }
  return conflicts;
}

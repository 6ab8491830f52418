import type { AckEvent } from '@chat/protocol';
import { expect } from 'vitest';
import { ServerError, type JsonWsClient } from '../../gateway/helpers/json-ws-client.js';
import { createHmac } from 'node:crypto';

/**
 * Two honest clients in one room: `check()` proves the node still serves them while an attack
 * runs (a send is acked and delivered to the other, both sockets still open).
 */
export class HonestPair {
  private sent = 0;

  constructor(
    readonly sender: JsonWsClient,
    readonly receiver: JsonWsClient,
    readonly room: string,
  ) {}

  static async join(sender: JsonWsClient, receiver: JsonWsClient, room: string): Promise<HonestPair> {
    await sender.join(room);
    await receiver.join(room);
    return new HonestPair(sender, receiver, room);
  }

  async check(label = 'honest'): Promise<void> {
    this.sent += 1;
    const text = `${label} ${this.sent} ${Date.now()}`;
    const ack = await this.say(text);
    expect(ack.room).toBe(this.room);
    const message = await this.receiver.waitForMessage(this.room, text, 5000);
    expect(message.text).toBe(text);
    expect(this.sender.isOpen && this.receiver.isOpen).toBe(true);
  }

  /** Sends like an honest client: when told rate_limited it waits as long as asked and retries. */
  private async say(text: string): Promise<AckEvent> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.sender.say(this.room, text);
      } catch (error) {
        if (!(error instanceof ServerError) || error.frame.code !== 'rate_limited' || attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, Number(error.frame.retryAfterMs ?? 500) + 10));
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.sender.close(), this.receiver.close()]);
  }
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT with any header, payload and HMAC secret, for tokens the gateway's own signer would never make. */
export function forgeToken(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string | undefined): string {
  const body = `${b64(header)}.${b64(payload)}`;
  return secret === undefined ? `${body}.` : `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

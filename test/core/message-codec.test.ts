import { describe, expect, it } from 'vitest';
import { decodeChannelPayload, encodeMessageBody, encodeStoredMessage } from '../../services/core/src/message-codec.js';

describe('a stored message from the channel', () => {
  it('gives the same ts by scanning as by parsing, whatever the text holds', () => {
    for (const text of ['plain', 'x,"ts":99', '","ts":1}', '\\",\\"ts\\":7', '{"ts":3}']) {
      const ts = 1_796_098_882_662;
      const payload = encodeStoredMessage('e1', 5, encodeMessageBody({ nick: 'ann', text }, ts));
      const message = decodeChannelPayload('lobby', payload);
      if (!message || !('offset' in message)) throw new Error(`not a message: ${payload}`);
      expect(message.ts, text).toBe(ts);
      // Parsing afterwards (a line client reads nick and text) agrees.
      expect([message.nick, message.text, message.ts]).toEqual(['ann', text, ts]);
    }
  });
});

import { ChatPeer } from './chat-peer.js';

/** A ChatPeer on SSE, under the name test/network's suites use. */
export class SseChatClient extends ChatPeer {
  constructor(baseUrl: string, nick: string, rooms: readonly string[]) {
    super({ url: baseUrl, nick, rooms, transport: 'sse' });
  }
}

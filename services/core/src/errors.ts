import { ChatError } from '@chat/protocol';

/** The broker cannot reach its backend right now; the caller may retry (with the same cid). */
export class BrokerUnavailableError extends ChatError {
  constructor(message = 'the message broker is unavailable, retry shortly') {
    super('unavailable', message);
    this.name = 'BrokerUnavailableError';
  }
}

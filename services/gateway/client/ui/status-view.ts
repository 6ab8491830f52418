import type { ConnectionStatus } from '@chat/client';

/** The connection status line: state, transport and node, also as data attributes for tools. */
export class StatusView {
  private flashTimer: ReturnType<typeof setTimeout> | undefined;
  /** A connection that worked went away (closed, or silent past its heartbeat) and is not back yet. */
  private lost = false;

  constructor(
    private readonly line: HTMLElement,
    private readonly errorLine: HTMLElement,
  ) {}

  /** Shows a server error for a while; the connection stays up after recoverable errors. */
  flash(text: string): void {
    clearTimeout(this.flashTimer);
    this.errorLine.textContent = text;
    this.errorLine.hidden = false;
    this.flashTimer = setTimeout(() => {
      this.errorLine.hidden = true;
    }, 8_000);
  }

  show(status: ConnectionStatus): void {
    const parts: string[] = [];
    this.lost = status.state === 'reconnecting' && (this.lost || this.line.dataset.state === 'connected');
    switch (status.state) {
      case 'connected':
        parts.push(`connected via ${status.transport}`, `node ${status.node ?? 'unknown'}`);
        break;
      case 'connecting':
        parts.push(`connecting via ${status.transport}…`);
        break;
      case 'reconnecting': {
        const wait = status.retryInMs !== undefined && status.retryInMs > 0 ? ` in ${(status.retryInMs / 1000).toFixed(1)} s` : '';
        parts.push(`${this.lost ? 'connection lost, ' : ''}reconnecting via ${status.transport}${wait}`);
        if (status.reason) parts.push(status.reason);
        break;
      }
      case 'unauthorized':
        parts.push('not signed in');
        if (status.reason) parts.push(status.reason);
        break;
      case 'stopped':
        parts.push('disconnected');
        break;
    }
    this.line.textContent = parts.join(' · ');
    this.line.dataset.state = status.state;
    this.line.dataset.transport = status.transport;
    this.line.dataset.node = status.state === 'connected' ? (status.node ?? '') : '';
  }
}

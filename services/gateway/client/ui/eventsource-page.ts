import { byId, el, formatTime } from './dom.js';

const MAX_LINES = 200;

/** The seed EventSource demo: shows each tick, the end of each stream and the browser's own reconnect. */
export function startEventSourcePage(): EventSource {
  const log = byId('log', HTMLOListElement);
  const state = byId('state', HTMLElement);
  const ticks = byId('tick-count', HTMLElement);
  const reconnects = byId('reconnect-count', HTMLElement);
  let tickCount = 0;
  let opens = 0;

  function line(kind: string, text: string): void {
    const item = el('li', kind);
    item.append(el('time', 'ts', formatTime(Date.now())), el('span', 'text', text));
    log.append(item);
    while (log.children.length > MAX_LINES) log.firstElementChild?.remove();
    item.scrollIntoView({ block: 'nearest' });
  }

  function setState(text: string, value: string): void {
    state.textContent = text;
    state.dataset.state = value;
  }

  const source = new EventSource('/eventsource');
  setState('connecting…', 'connecting');
  source.onopen = () => {
    opens += 1;
    reconnects.textContent = String(opens - 1);
    setState(opens === 1 ? 'open' : `open again (reconnect ${opens - 1})`, 'open');
    line('open', opens === 1 ? 'stream opened' : 'the browser reconnected by itself; stream opened again');
  };
  source.onmessage = (event: MessageEvent<unknown>) => {
    tickCount += 1;
    ticks.textContent = String(tickCount);
    line('tick', typeof event.data === 'string' ? event.data : '(no data)');
  };
  source.onerror = () => {
    if (source.readyState === EventSource.CONNECTING) {
      setState('stream ended; the browser is reconnecting…', 'reconnecting');
      line('ended', 'stream ended; the browser will reconnect by itself');
    } else {
      setState('closed', 'closed');
      line('closed', 'the browser gave up (the server refused the stream)');
    }
  };
  return source;
}

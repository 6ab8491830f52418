import type { AdminEvent, NodeView, RoomView } from '../src/admin/cluster-types.js';

/** An element with text content only: data from the cluster never becomes markup. */
function cell(tag: 'td' | 'th' | 'span' | 'li', text: string, className?: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

const megabytes = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MB`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const clock = (at: number): string => new Date(at).toLocaleTimeString();
const sum = (values: Readonly<Record<string, number>>): number => Object.values(values).reduce((total, value) => total + value, 0);

function nodeStatus(node: NodeView): { text: string; className: string } {
  // A late heartbeat outranks what the node said last: a killed node said "ready".
  if (node.stale) return { text: 'stale', className: 'status bad' };
  if (node.draining) return { text: 'draining', className: 'status warn' };
  if (!node.ready) return { text: 'not ready', className: 'status bad' };
  return { text: 'ready', className: 'status good' };
}

/** The transports the nodes report, in the gateway's order: one column each. */
export function transportsOf(nodes: readonly NodeView[]): string[] {
  return [...new Set(nodes.flatMap((node) => Object.keys(node.connections)))];
}

/** The header of the nodes table, with a column per transport. */
export function renderNodesHeader(row: HTMLElement, transports: readonly string[]): void {
  const head = (text: string, numeric = true) => {
    const element = cell('th', text, numeric ? 'num' : undefined);
    element.setAttribute('scope', 'col');
    return element;
  };
  row.replaceChildren(
    head('node', false),
    head('heartbeat'),
    head('state', false),
    ...transports.map((transport) => head(transport.replace('_', ' '))),
    head('total'),
    head('rooms'),
    head('RSS'),
    head('slow drops'),
    head('limited'),
  );
}

/** One row per node: heartbeat age, state, connections by transport, rooms, memory, drops. */
export function renderNodes(body: HTMLElement, nodes: readonly NodeView[], transports: readonly string[], servedBy: string): void {
  body.replaceChildren(
    ...nodes.map((node) => {
      const row = document.createElement('tr');
      row.dataset.node = node.id;
      row.classList.toggle('stale', node.stale);
      const status = nodeStatus(node);
      const name = cell('th', node.id);
      if (node.id === servedBy) name.append(cell('span', 'this page', 'tag'));
      row.append(
        name,
        cell('td', seconds(node.heartbeatAgeMs), 'num heartbeat'),
        cell('td', status.text, status.className),
        ...transports.map((transport) => cell('td', String(node.connections[transport] ?? 0), `num conn-${transport}`)),
        cell('td', String(sum(node.connections)), 'num total'),
        cell('td', String(Object.keys(node.rooms).length), 'num'),
        cell('td', megabytes(node.rssBytes), 'num'),
        cell('td', String(node.slowConsumers), 'num'),
        cell('td', String(sum(node.limitViolations)), 'num'),
      );
      return row;
    }),
  );
}

/** One row per room: members across nodes, who, messages per second, on which nodes. */
export function renderRooms(body: HTMLElement, rooms: readonly RoomView[]): void {
  body.replaceChildren(
    ...rooms.map((room) => {
      const row = document.createElement('tr');
      row.dataset.room = room.room;
      row.append(
        cell('th', room.room),
        cell('td', String(room.members), 'num members'),
        cell('td', room.nicks.join(', '), 'nicks'),
        cell('td', room.messagesPerSec.toFixed(1), 'num rate'),
        cell('td', room.nodes.join(', '), 'nodes'),
      );
      return row;
    }),
  );
}

const EVENT_TEXT: Record<AdminEvent['kind'], string> = {
  slow_consumer: 'slow consumer dropped',
  limit: 'refused by limit',
  node_joined: 'node joined',
  node_left: 'node left',
};

/** Newest first. */
export function renderEvents(list: HTMLElement, events: readonly AdminEvent[]): void {
  list.replaceChildren(
    ...events.map((event) => {
      const item = cell('li', `${clock(event.at)}  ${event.node}: ${EVENT_TEXT[event.kind]}${event.kind === 'limit' ? ` (${event.detail})` : ''}${event.count > 1 ? ` ×${event.count}` : ''}`);
      item.dataset.kind = event.kind;
      return item;
    }),
  );
}

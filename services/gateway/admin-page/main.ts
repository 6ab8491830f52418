// The /admin page: the cluster live from /admin/api/feed (SSE), rendered as tables.
import type { ClusterSnapshot } from '../src/admin/cluster-types.js';
import { renderEvents, renderNodes, renderNodesHeader, renderRooms, transportsOf } from './views.js';

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`admin page: no #${id}`);
  return found;
}

/** The page's own `?token=`, passed on to the API (EventSource cannot send headers). */
function withToken(path: string): string {
  const token = new URLSearchParams(location.search).get('token');
  return token ? `${path}?token=${encodeURIComponent(token)}` : path;
}

function render(snapshot: ClusterSnapshot): void {
  const transports = transportsOf(snapshot.nodes);
  renderNodesHeader(element('nodes-header'), transports);
  renderNodes(element('nodes'), snapshot.nodes, transports, snapshot.servedBy);
  renderRooms(element('rooms'), snapshot.rooms);
  renderEvents(element('events'), snapshot.events);
  element('node-count').textContent = String(snapshot.nodes.length);
  element('room-count').textContent = String(snapshot.rooms.length);
  element('updated').textContent = `${snapshot.servedBy} at ${new Date(snapshot.at).toLocaleTimeString()}`;
}

function setFeedState(state: 'live' | 'reconnecting'): void {
  const line = element('feed-state');
  line.textContent = state;
  line.dataset.state = state;
}

const feed = new EventSource(withToken('/admin/api/feed'));
feed.addEventListener('cluster', (event) => {
  setFeedState('live');
  render(JSON.parse((event as MessageEvent<string>).data) as ClusterSnapshot);
});
feed.addEventListener('error', () => setFeedState('reconnecting'));

import { WebSocket } from 'ws';

/** Closes with 1000 and, if the server does not answer the close within a second, drops the socket. */
export async function closePolitely(socket: WebSocket, closed: Promise<unknown>): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return;
  socket.close(1000);
  const timer = setTimeout(() => socket.terminate(), 1000);
  await closed;
  clearTimeout(timer);
}

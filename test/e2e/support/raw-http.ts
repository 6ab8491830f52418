import { connect, type Socket } from 'node:net';

function opened(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Reads until the end of the status line and returns the status code and everything read. */
function readResponse(socket: Socket): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const match = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n[\s\S]*\r\n\r\n/.exec(text);
      if (match) resolve({ status: Number(match[1]), text });
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`connection closed before an answer: ${JSON.stringify(text)}`)));
  });
}

/**
 * A GET whose headers are sent now but finished later: the server counts it as a request in
 * progress, so it is answered even after the server stopped accepting connections.
 */
export async function startPendingGet(port: number, path: string): Promise<{ finish(): Promise<{ status: number; text: string }> }> {
  const socket = await opened(port);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`);
  return {
    finish: async () => {
      const answer = readResponse(socket);
      socket.write('\r\n');
      try {
        return await answer;
      } finally {
        socket.destroy();
      }
    },
  };
}

/** A WebSocket client that completes the handshake and then never answers anything, close frames included. */
export async function openStuckWebSocket(port: number): Promise<{ destroy(): void }> {
  const socket = await opened(port);
  const answer = readResponse(socket);
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const { status } = await answer;
  if (status !== 101) throw new Error(`WebSocket handshake answered ${status}`);
  socket.removeAllListeners('data');
  socket.removeAllListeners('close');
  socket.on('error', () => undefined);
  // Paused: frames pile up unread, like a frozen client.
  socket.pause();
  return { destroy: () => socket.destroy() };
}

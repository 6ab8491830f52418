export { ChatClient, SendError, type ChatClientOptions, type ChatClientEvents, type ConnectionStatus, type SendAck } from './chat-client.js';
export type { PendingSend, SendState } from './outbox.js';
export type { TransportName } from './transport.js';
export type { WebSocketConstructor, WebSocketLike, EventSourceConstructor, EventSourceLike, FetchFunction } from './platform.js';
export type { ChatMessage, RoomPosition } from '@chat/protocol';
export { RoomFeatures, FeatureError, type ChangeAck, type ReadPosition, type OlderPage } from './room-features.js';

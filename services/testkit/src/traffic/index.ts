// Chat traffic for fault tests and benchmarks: steady senders, roaming WebSocket clients, and the
// delivery check every fault scenario ends with (lost, duplicates, order, gaps).
export { checkDelivery, conflictingAcks, sumReports, type Ack, type DeliveryReport } from './delivery-check.js';
export { parseServerEvent as parseTrafficEvent, type ServerEvent as TrafficEvent } from './events.js';
export { postMessage } from './http-sender.js';
export { MessageLog, type Reconnect } from './message-log.js';
export { RoamingClient } from './roaming-client.js';
export { startSteadySender, type SendRun } from './steady-sender.js';

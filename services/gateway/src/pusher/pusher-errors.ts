/**
 * The Pusher protocol's error codes (sent in `pusher:error` and, where the connection ends, as
 * the WebSocket close code). 4000-4099: do not reconnect; 4100-4199: reconnect after a while;
 * 4200-4299: reconnect at once; 4300-4399: other errors.
 */
export const PUSHER_ERRORS = {
  app_unknown: { code: 4001, message: 'App key not in this cluster', closes: true },
  app_disabled: { code: 4003, message: 'App disabled', closes: true },
  over_quota: { code: 4004, message: 'App is over its connection quota', closes: true },
  protocol_unsupported: { code: 4007, message: 'Unsupported protocol version', closes: true },
  unauthorized: { code: 4009, message: 'Connection not authorized', closes: true },
  terminated: { code: 4009, message: 'Connection terminated by the app', closes: true },
  over_capacity: { code: 4100, message: 'Over capacity', closes: true },
  reconnect: { code: 4200, message: 'Node going away, reconnect now', closes: true },
  pong_timeout: { code: 4201, message: 'Pong reply not received', closes: true },
  activity_timeout: { code: 4202, message: 'Closed after inactivity', closes: true },
  client_event_rejected: { code: 4301, message: 'Client event rejected - only 10 accepted per second', closes: false },
  bad_message: { code: 4302, message: 'Message not understood', closes: false },
} as const satisfies Record<string, { readonly code: number; readonly message: string; readonly closes: boolean }>;

export type PusherErrorName = keyof typeof PUSHER_ERRORS;

/** The `pusher:error` frame of an error, with an optional more precise message. */
export function errorFrame(name: PusherErrorName, message: string = PUSHER_ERRORS[name].message): string {
  return JSON.stringify({ event: 'pusher:error', data: { code: PUSHER_ERRORS[name].code, message } });
}

/**
 * The framing of the two seed streaming transports (issue "XMLHttpRequest streaming and the
 * pushlet"): both carry the protocol's server events, each positioned event (`joined`,
 * `message`) with a `cursor` that resumes the stream on any node.
 */

/**
 * A keep-alive that is not a protocol event, sent on every streaming transport once per the
 * interval `welcome` announces (`heartbeatMs`): a WebSocket text frame, an SSE `event: heartbeat`,
 * an NDJSON line, a pushlet script. Clients skip it; its only meaning is "the stream is alive".
 */
export const STREAM_HEARTBEAT = '{"type":"heartbeat"}';

/** The `type` of STREAM_HEARTBEAT, also the SSE event name it travels under. */
export const HEARTBEAT_TYPE = 'heartbeat';

/** Longest heartbeat interval a client believes (a day): anything else in `welcome` is ignored. */
const HEARTBEAT_MS_MAX = 86_400_000;

/** A `heartbeatMs` a client can hold a server to: a positive integer of ms, at most a day. */
export function isHeartbeatInterval(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= HEARTBEAT_MS_MAX;
}

/** The function a pushlet frame calls in its parent page, once per event. */
export const PUSHLET_CALLBACK = 'chatPush';

/** Bytes of padding that make old browsers and buffering proxies start rendering a stream (1–4 KB thresholds). */
export const STREAM_PADDING_BYTES = 4096;

/** `{…}` → `{…,"cursor":"<cursor>"}`: the event's JSON with the stream position after it. */
export function withCursor(eventJson: string, cursor: string): string {
  return `${eventJson.slice(0, -1)},"cursor":${JSON.stringify(cursor)}}`;
}

const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/g;
const SCRIPT_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON that is safe inside an HTML `<script>` element: no text can close the element
 * (`</script>`), open a comment (`<!--`) or end a line in an old JavaScript engine
 * (U+2028/2029). Every escape is valid JSON and valid JavaScript, so the value is unchanged.
 */
export function scriptSafeJson(json: string): string {
  return json.replace(SCRIPT_UNSAFE, (char) => SCRIPT_ESCAPES[char] ?? char);
}

/** One pushlet event: a script element that hands the event to the parent page. */
export function pushletScript(eventJson: string): string {
  return `<script>parent.${PUSHLET_CALLBACK}(${scriptSafeJson(eventJson)})</script>\n`;
}

/**
 * The framing of the two seed streaming transports (issue "XMLHttpRequest streaming and the
 * pushlet"): both carry the protocol's server events, each positioned event (`joined`,
 * `message`) with a `cursor` that resumes the stream on any node.
 */

/** A keep-alive that is not a protocol event: streams send it at least every SSE_HEARTBEAT_MS. */
export const STREAM_HEARTBEAT = '{"type":"heartbeat"}';

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

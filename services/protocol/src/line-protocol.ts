/** The room every line-protocol client is in. */
export const LINE_ROOM = 'lobby';

/** The seed line protocol: `msg ! <text>`, `nick ! <name>`, anything else is echoed back. */
export type LineCommand =
  | { readonly kind: 'msg'; readonly text: string }
  | { readonly kind: 'nick'; readonly nick: string }
  | { readonly kind: 'other'; readonly data: string };

export function parseLineCommand(line: string): LineCommand {
  if (line.startsWith('msg ! ')) return { kind: 'msg', text: line.slice('msg ! '.length) };
  if (line.startsWith('nick ! ')) return { kind: 'nick', nick: line.slice('nick ! '.length) };
  return { kind: 'other', data: line };
}

/** Line breaks inside a text would forge extra lines on line-delimited clients (TCP): shown as ⏎. */
const oneLine = (text: string): string => text.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ⏎ ');

export const formatOutput = (nick: string, text: string): string => `output ! ${nick}: ${oneLine(text)}`;
/** An edit as line clients see it: `output ! <nick> (edited): <text>`. */
export const formatEditedOutput = (nick: string, text: string): string => `output ! ${nick} (edited): ${oneLine(text)}`;
export const formatStatus = (data: string): string => `status ! received '${data}'`;
export const formatNotice = (notice: string): string => `status ! ${notice}`;

/** `clock ! tick HH:MM:SS` in the server's local time, as the seed did. */
export function formatTick(now: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `clock ! tick ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
}

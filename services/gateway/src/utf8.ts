const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** The text of bytes that are UTF-8, or undefined when they are not (never U+FFFD in their place). */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

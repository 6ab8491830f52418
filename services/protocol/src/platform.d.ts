// The few web-platform globals the protocol uses, present in browsers and in Node ≥ 16 alike.
// Declared here so the package compiles with neither DOM nor Node types (no platform-only APIs slip in).
declare function btoa(data: string): string;
declare function atob(data: string): string;
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}

// ws exports its Sender (ws/lib/sender.js); @types/ws does not declare it.
import 'ws';

declare module 'ws' {
  /** Options of `Sender.frame` (ws/lib/sender.js). */
  interface SenderFrameOptions {
    readonly fin?: boolean;
    readonly opcode: number;
    readonly mask?: boolean;
    readonly readOnly?: boolean;
    readonly rsv1?: boolean;
  }

  /** ws's frame writer; only the static framing function is used here. */
  class Sender {
    /** Frames `data` (RFC 6455 5.2): the header, then the payload unless it is empty. */
    static frame(data: Buffer, options: SenderFrameOptions): [header: Buffer, ...payload: Buffer[]];
  }
}

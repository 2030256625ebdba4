// Ambient types for the parts of gstreamer-superficial (a native addon that ships no types) that the camera uses.
declare module 'gstreamer-superficial' {
  /** A message from the pipeline bus; fields of the message structure are spread onto it. */
  export interface BusMessage {
    /** e.g. "error", "warning", "eos", "state-changed". */
    readonly type: string;
    /** Name of the element that posted it. */
    readonly _src_element_name: string;
    /** Error text, for type "error". */
    readonly message?: string;
    /** Element path, for type "error". */
    readonly name?: string;
    readonly [field: string]: unknown;
  }

  /** Caps of a pulled sample, flattened: { name: "video/x-raw", width, height, format, framerate, … }. */
  export type SampleCaps = Readonly<Record<string, unknown>>;

  /**
   * Called once per pull: a buffer (a copy of the sample's bytes) and its caps, or `null` when the sink is at EOS
   * or not running (flushing, failed to start, stopped).
   */
  export type PullCallback = (buf: Buffer | null, caps: SampleCaps) => void;

  /** An element found by name; its GObject properties are readable and writable as plain fields. */
  export interface Element {
    [property: string]: unknown;
  }

  export interface AppSink extends Element {
    /** Pulls one sample on a libuv pool thread (blocking that thread until a sample, EOS or flush). */
    pull(callback: PullCallback): void;
  }

  export class Pipeline {
    /** Parses a gst-launch description; throws on a syntax error or a missing element. */
    constructor(description: string);
    play(): void;
    pause(): void;
    /** Sets the pipeline to NULL; a pending pull then returns null. */
    stop(): void;
    /** Seeks to `positionS` whole seconds; flags as GstSeekFlags (1 = FLUSH). */
    seek(positionS: number, flags: number): boolean;
    /** Seconds, or -1 when unknown. */
    queryPosition(): number;
    /** Seconds, or -1 when unknown. */
    queryDuration(): number;
    sendEOS(): void;
    findChild(name: string): (Element & Partial<Pick<AppSink, 'pull'>>) | undefined;
    /** Polls the bus on a libuv pool thread for as long as the pipeline is not in state NULL. */
    pollBus(callback: (message: BusMessage) => void): void;
  }
}

/**
 * The one error type of the capture file reader ({@link CaptureFileReader}).
 *
 * Messages are one line, "Cannot read "<path>": <what is wrong>", and name the
 * frame number the bad record would have had and its byte offset in the input,
 * so a user can find the spot with a hex viewer or `editcap`.
 *
 * @module
 */

/**
 * What went wrong:
 * - `not-capture`: the input is not a pcap/pcapng file (bad magic, empty file,
 *   unsupported version);
 * - `io`: the file could not be opened or a read failed;
 * - `truncated`: the input ends in the middle of a record or block;
 * - `corrupt`: a record or block header holds impossible values.
 */
export type CaptureFileErrorKind = "not-capture" | "io" | "truncated" | "corrupt";

/** An error reading a capture file; see {@link CaptureFileErrorKind}. */
export class CaptureFileError extends Error {
  /** Always "CaptureFileError". */
  override name: string = "CaptureFileError";
  /** Category of the failure. */
  readonly kind: CaptureFileErrorKind;
  /**
   * 1-based number the frame would have had at the failure point (frames
   * delivered so far + 1); 0 when the file header itself is bad.
   */
  readonly frameNumber: number;
  /** Byte offset in the input of the bad record / block (0 for the file header). */
  readonly byteOffset: number;
  /** Path as given to `open` ("-" for standard input). */
  readonly path: string;

  /** Builds an error; `message` is the complete one-line text. */
  constructor(
    kind: CaptureFileErrorKind,
    path: string,
    message: string,
    frameNumber = 0,
    byteOffset = 0,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.kind = kind;
    this.path = path;
    this.frameNumber = frameNumber;
    this.byteOffset = byteOffset;
  }
}

/** How the input is named in messages: `"x.pcap"` in quotes, or `standard input`. */
export function describeInput(path: string): string {
  return path === "-" ? "standard input" : JSON.stringify(path);
}

/**
 * Builds a read error: message `Cannot read "<path>": <detail>`.
 * @param detail lower-case description without trailing period
 */
export function readError(
  kind: CaptureFileErrorKind,
  path: string,
  detail: string,
  frameNumber = 0,
  byteOffset = 0,
  cause?: unknown,
): CaptureFileError {
  return new CaptureFileError(
    kind,
    path,
    `Cannot read ${describeInput(path)}: ${detail}`,
    frameNumber,
    byteOffset,
    cause === undefined ? undefined : { cause },
  );
}

/** Short text for an I/O failure (`Deno.errors.*` → "no such file" etc.). */
export function describeIoError(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file or directory";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.IsADirectory) return "is a directory";
  if (e instanceof Deno.errors.Interrupted) return "interrupted";
  if (e instanceof Error) {
    const line = e.message.split("\n")[0];
    return line.length > 0 ? line : e.name;
  }
  return String(e);
}

/**
 * Status codes returned by the capture readers' `next(frame)`.
 *
 * @module
 */

/** Clean end of input: every record was delivered. */
export const NEXT_EOF = 0;
/** The frame passed to `next()` was filled. */
export const NEXT_FRAME = 1;
/** The buffer holds no complete record: `await reader.fill()`, then call `next()` again. */
export const NEXT_NEED_DATA = 2;
/** `reader.error` holds a CaptureFileError; every frame before it was delivered. */
export const NEXT_ERROR = 3;

/** One of the `NEXT_*` codes. */
export type NextStatus =
  | typeof NEXT_EOF
  | typeof NEXT_FRAME
  | typeof NEXT_NEED_DATA
  | typeof NEXT_ERROR;

/**
 * Capture input for NetScope: a pure-TypeScript reader for pcap and pcapng
 * files and standard input (no libpcap, no FFI).
 *
 * - {@link CaptureFileReader} opens a path (`"-"` = stdin), detects the format
 *   from the magic number, and hands out frames into a reused {@link Frame}
 *   with a synchronous, allocation-free `next()` plus an async `fill()` that
 *   reads the next chunk (2 MiB; a regular file's next chunk is read while
 *   the current one is parsed).
 * - pcap: both byte orders, µs and ns timestamps, the Kuznetsov variant,
 *   versions 2.x (2.0–2.3 length-swapping as libpcap), any snaplen.
 * - pcapng: several sections in either byte order, IDB options `if_name`,
 *   `if_tsresol` (10^-N and 2^-N), `if_tsoffset`, `if_fcslen`; EPB, SPB and
 *   the obsolete Packet Block; other blocks skipped and counted. Interface
 *   indexes are global across sections.
 * - Timestamps are exact to the nanosecond without BigInt
 *   ({@link TimestampConverter}); sub-nanosecond units are truncated.
 * - Damaged input never throws from `next()`: it returns `NEXT_ERROR` after
 *   every complete frame before the damage, with a {@link CaptureFileError}
 *   naming the frame number and byte offset.
 *
 * @module
 */

export {
  CaptureFileReader,
  type CaptureFileReaderOptions,
  type CaptureFormat,
  detectFormat,
} from "./capture_file_reader.ts";
export {
  NEXT_EOF,
  NEXT_ERROR,
  NEXT_FRAME,
  NEXT_NEED_DATA,
  type NextStatus,
} from "./read_status.ts";
export { CaptureFileError, type CaptureFileErrorKind } from "./capture_file_error.ts";
export { type ByteReader, ByteSource, DEFAULT_CHUNK_SIZE } from "./byte_source.ts";
export { MAX_RECORD_LENGTH, PcapReader } from "./pcap_reader.ts";
export { type CaptureInterface, PcapngReader } from "./pcapng_reader.ts";
export { TimestampConverter } from "./pcapng_timestamp.ts";
export { Frame } from "./frame.ts";

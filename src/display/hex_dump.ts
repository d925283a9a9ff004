/**
 * Hex + ASCII dump in the style of `tcpdump -X`: 16 bytes a line, offset,
 * eight 2-byte groups, then printable ASCII ('.' for the rest).
 *
 * @module
 */

const HEX = "0123456789abcdef";

/** Bytes shown per packet; the rest is summarised in one line (reference tool: 256). */
export const HEX_DUMP_LIMIT = 256;

/**
 * Dumps `buf[off .. off+len)` (at most `limit` bytes), each line starting
 * with a tab; lines joined by "\n", no trailing newline.
 */
export function formatHexDump(
  buf: Uint8Array,
  off: number,
  len: number,
  limit = HEX_DUMP_LIMIT,
): string {
  const n = len < limit ? len : limit;
  const lines: string[] = [];
  for (let row = 0; row < n; row += 16) {
    let hex = "";
    let ascii = "";
    for (let i = 0; i < 16; i++) {
      if (i % 2 === 0) hex += " ";
      if (row + i < n) {
        const v = buf[off + row + i]!;
        hex += HEX[v >>> 4]! + HEX[v & 15]!;
        ascii += v >= 0x20 && v < 0x7f ? String.fromCharCode(v) : ".";
      } else {
        hex += "  ";
      }
    }
    lines.push("\t0x" + row.toString(16).padStart(4, "0") + ": " + hex + "  " + ascii);
  }
  if (len > n) lines.push("\t... " + (len - n) + " more bytes");
  return lines.join("\n");
}

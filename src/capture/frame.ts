/**
 * One captured frame as handed from a capture source (file reader, later
 * libpcap) to the decoder. A source owns exactly one `Frame` and refills it
 * for every packet: nothing here is allocated per packet.
 *
 * `buf` is the source's current chunk buffer; the frame's bytes are
 * `buf[offset .. offset + capLen)`. They stay valid only until the source
 * is asked for the next frame.
 *
 * @module
 */

/** Link-layer header types (LINKTYPE_* numbers from tcpdump.org/linktypes.html). */
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW_12 = 12; // DLT_RAW on some BSDs
export const LINKTYPE_RAW_14 = 14; // DLT_RAW on OpenBSD
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

/** A captured frame: where its bytes are, its lengths and its timestamp. */
export class Frame {
  /** Buffer holding the frame's bytes (the source's chunk; reused). */
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the first captured byte in `buf`. */
  offset = 0;
  /** Captured length (bytes present in `buf`). */
  capLen = 0;
  /** Original length on the wire. */
  wireLen = 0;
  /** Timestamp, whole seconds since the UNIX epoch (UTC). */
  tsSec = 0;
  /** Timestamp, nanoseconds within the second (0..999,999,999). */
  tsNsec = 0;
  /** LINKTYPE_* of the interface the frame came from. */
  linkType: number = LINKTYPE_ETHERNET;
  /** Interface index (pcapng IDB index across all sections; 0 for pcap). */
  ifIndex = 0;
  /** 1-based frame number within the whole input, as tshark/Wireshark count. */
  number = 0;
  /** Byte offset of this frame's record in the input stream. */
  fileOffset = 0;
}

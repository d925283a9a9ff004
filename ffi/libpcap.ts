/**
 * The libpcap symbol table for `Deno.dlopen`, and a process-wide loader.
 *
 * One table for the whole project: add the live-capture symbols here when
 * they are needed. Parameter types follow docs/PLATFORM.md §1: `i32`/`u32`
 * for ints and lengths (64-bit parameters are only fast with BigInt),
 * `pointer` for opaque handles libpcap returns, `buffer` for memory we own
 * (`Uint8Array`).
 *
 * Prototypes are from libpcap's `pcap/pcap.h` (1.10).
 *
 * @module
 */

import { findLibpcap, LibpcapLoadError } from "./find_libpcap.ts";

/** `PCAP_NETMASK_UNKNOWN` from pcap/pcap.h. */
export const PCAP_NETMASK_UNKNOWN = 0xffffffff;
/** Size of `PCAP_ERRBUF_SIZE` (pcap/pcap.h). */
export const PCAP_ERRBUF_SIZE = 256;
/** `sizeof(struct bpf_program)` on LP64: `u_int bf_len` at 0, `struct bpf_insn *bf_insns` at 8. */
export const BPF_PROGRAM_SIZE = 16;
/** Offset of `bf_insns` in `struct bpf_program` on LP64. */
export const BPF_PROGRAM_INSNS_OFFSET = 8;
/** `sizeof(struct bpf_insn)`: `u_short code; u_char jt; u_char jf; bpf_u_int32 k;`. */
export const BPF_INSN_SIZE = 8;

/** The libpcap functions NetScope calls. */
export const LIBPCAP_SYMBOLS = {
  /** `pcap_t *pcap_open_dead(int linktype, int snaplen)` (linktype is a DLT_ value). */
  pcap_open_dead: { parameters: ["i32", "i32"], result: "pointer" },
  /**
   * `int pcap_compile(pcap_t *p, struct bpf_program *fp, const char *str,
   * int optimize, bpf_u_int32 netmask)`; 0 on success, PCAP_ERROR (-1) on error.
   */
  pcap_compile: { parameters: ["pointer", "buffer", "buffer", "i32", "u32"], result: "i32" },
  /** `void pcap_freecode(struct bpf_program *fp)`. */
  pcap_freecode: { parameters: ["buffer"], result: "void" },
  /** `char *pcap_geterr(pcap_t *p)`: the handle's NUL-terminated error text. */
  pcap_geterr: { parameters: ["pointer"], result: "pointer" },
  /**
   * `pcap_t *pcap_fopen_offline(FILE *fp, char *errbuf)`: a savefile handle
   * reading from `fp` (closed by pcap_close). Compiling on a savefile handle
   * gives what `tcpdump -r` compiles (gencode.c differs from a live/dead
   * handle for DLT_NULL/DLT_ENC and inbound/outbound).
   */
  pcap_fopen_offline: { parameters: ["pointer", "buffer"], result: "pointer", optional: true },
  /** `void pcap_close(pcap_t *p)`. */
  pcap_close: { parameters: ["pointer"], result: "void" },
  /** `const char *pcap_lib_version(void)`. */
  pcap_lib_version: { parameters: [], result: "pointer" },
  /**
   * `u_int bpf_filter(const struct bpf_insn *pc, const u_char *p, u_int wirelen,
   * u_int buflen)`: libpcap's own interpreter. The tests use it as the
   * reference; never call it per packet in production (docs/PLATFORM.md §5).
   */
  bpf_filter: { parameters: ["buffer", "buffer", "u32", "u32"], result: "u32", optional: true },
  /**
   * libc's `FILE *fmemopen(void *buf, size_t size, const char *mode)` and
   * `int fclose(FILE *)`, found through libpcap's own libc dependency
   * (`dlsym` on a library handle also searches the libraries it needs).
   * Used to hand pcap_fopen_offline an in-memory file header. Optional:
   * absent on Windows.
   */
  fmemopen: { parameters: ["buffer", "usize", "buffer"], result: "pointer", optional: true },
  fclose: { parameters: ["pointer"], result: "i32", optional: true },
} as const;

/** The bound libpcap functions. */
export type LibpcapSymbols = Deno.DynamicLibrary<typeof LIBPCAP_SYMBOLS>["symbols"];

/** An opened libpcap. */
export interface Libpcap {
  /** The bound functions. */
  readonly symbols: LibpcapSymbols;
  /** The file or name it was opened from. */
  readonly path: string;
  /** `pcap_lib_version()`, e.g. "libpcap version 1.10.3 (with TPACKET_V3)". */
  readonly version: string;
}

let loaded: Libpcap | undefined;
let loadError: LibpcapLoadError | undefined;

/**
 * Opens libpcap once per process and returns it (later calls return the same
 * object, or rethrow the same error).
 *
 * @throws LibpcapLoadError when libpcap cannot be found or FFI is not allowed.
 */
export function loadLibpcap(): Libpcap {
  if (loaded !== undefined) return loaded;
  if (loadError !== undefined) throw loadError;
  try {
    const { library, path } = findLibpcap(LIBPCAP_SYMBOLS);
    const symbols = library.symbols;
    loaded = { symbols, path, version: readCString(symbols.pcap_lib_version()) };
    return loaded;
  } catch (e) {
    if (e instanceof LibpcapLoadError) loadError = e;
    throw e;
  }
}

/** Reads a NUL-terminated C string (UTF-8) at `ptr`; "" for NULL. */
export function readCString(ptr: Deno.PointerValue): string {
  if (ptr === null) return "";
  return new Deno.UnsafePointerView(ptr).getCString();
}

/** Encodes `s` as a NUL-terminated UTF-8 buffer for a `const char *` parameter. */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

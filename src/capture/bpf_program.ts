/**
 * Classic BPF programs: compiling a tcpdump filter expression with libpcap
 * (`pcap_open_dead` + `pcap_compile`, through FFI) into plain typed arrays,
 * plus the instruction encoding, validation and a `tcpdump -d` style listing.
 *
 * Instruction layout (`struct bpf_insn`, pcap/bpf.h): `u_short code;
 * u_char jt; u_char jf; bpf_u_int32 k;`, 8 bytes in host byte order.
 * Opcode fields: class = code & 0x07, size = code & 0x18, mode = code & 0xe0,
 * op = code & 0xf0, src = code & 0x08, rval = code & 0x18.
 *
 * @module
 */

import {
  BPF_INSN_SIZE,
  BPF_PROGRAM_INSNS_OFFSET,
  BPF_PROGRAM_SIZE,
  cString,
  type LibpcapSymbols,
  loadLibpcap,
  PCAP_ERRBUF_SIZE,
  readCString,
} from "../../ffi/libpcap.ts";
import { LibpcapLoadError } from "../../ffi/find_libpcap.ts";

/** A filter expression that cannot be used; the message is one line. */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FilterError";
  }
}

// Instruction classes.
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;
// Load sizes.
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
// Load modes.
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;
// ALU and jump operations.
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
// Operand source.
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_A = 0x10;
// Misc operations.
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;
/** Number of scratch memory words `M[]`. */
export const BPF_MEMWORDS = 16;

/**
 * Loads at or above this offset are Linux socket-filter extensions
 * (`SKF_LL_OFF` = -0x200000, `SKF_NET_OFF` = -0x100000, `SKF_AD_OFF` =
 * -0x1000 in linux/filter.h): they read kernel metadata, not packet bytes.
 */
export const SKF_EXT_MIN = 0xffe00000;

/** Snapshot length used when none (or 0) is given: libpcap's MAXIMUM_SNAPLEN. */
export const DEFAULT_SNAPLEN = 262144;

/** A classic BPF program as parallel typed arrays, one entry per instruction. */
export interface BpfProgram {
  /** Number of instructions. */
  readonly length: number;
  /** Opcodes. */
  readonly code: Uint16Array;
  /** Jump offsets if true (relative to the next instruction). */
  readonly jt: Uint8Array;
  /** Jump offsets if false. */
  readonly jf: Uint8Array;
  /** Operands (u32). */
  readonly k: Uint32Array;
}

/** One instruction as `[code, jt, jf, k]` (the order of `tcpdump -dd`). */
export type BpfInsn = readonly [code: number, jt: number, jf: number, k: number];

/** Builds a program from `[code, jt, jf, k]` tuples (tests, hand-written programs). */
export function bpfProgramFrom(insns: readonly BpfInsn[]): BpfProgram {
  const n = insns.length;
  const prog = {
    length: n,
    code: new Uint16Array(n),
    jt: new Uint8Array(n),
    jf: new Uint8Array(n),
    k: new Uint32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const [code, jt, jf, k] = insns[i];
    prog.code[i] = code;
    prog.jt[i] = jt;
    prog.jf[i] = jf;
    prog.k[i] = k >>> 0;
  }
  return prog;
}

/** The program as `[code, jt, jf, k]` tuples. */
export function bpfInstructions(prog: BpfProgram): BpfInsn[] {
  const out: BpfInsn[] = [];
  for (let i = 0; i < prog.length; i++) {
    out.push([prog.code[i], prog.jt[i], prog.jf[i], prog.k[i]]);
  }
  return out;
}

/**
 * The program as libpcap's `struct bpf_insn` array (8 bytes each, host byte
 * order), e.g. for `bpf_filter` or a `struct bpf_program` of our own.
 */
export function encodeBpfInstructions(prog: BpfProgram): Uint8Array<ArrayBuffer> {
  const raw = new Uint8Array(prog.length * BPF_INSN_SIZE);
  const u16 = new Uint16Array(raw.buffer);
  const u32 = new Uint32Array(raw.buffer);
  for (let i = 0; i < prog.length; i++) {
    u16[i * 4] = prog.code[i];
    raw[i * 8 + 2] = prog.jt[i];
    raw[i * 8 + 3] = prog.jf[i];
    u32[i * 2 + 1] = prog.k[i];
  }
  return raw;
}

/**
 * Maps a LINKTYPE_* value (pcap/pcapng files) to the DLT_* value
 * `pcap_open_dead` expects, as libpcap's `linktype_to_dlt` does
 * (pcap-common.c): only a few values below 104 and two BSD-specific ones
 * differ. One addition: 14 (OpenBSD's DLT_RAW, which NetScope's decoder
 * reads as raw IP) maps to DLT_RAW too; tcpdump on Linux cannot filter it
 * at all ("unknown data link type 14").
 */
export function linkTypeToDlt(linkType: number, os: string = Deno.build.os): number {
  const bsdLike = os !== "linux" && os !== "windows" && os !== "android";
  switch (linkType) {
    case 100: // LINKTYPE_ATM_RFC1483
      return 11;
    case 101: // LINKTYPE_RAW -> DLT_RAW (14 on OpenBSD, 12 elsewhere)
    case 14: // OpenBSD's DLT_RAW value, as found in files
      return os === "openbsd" ? 14 : 12;
    case 102: // LINKTYPE_SLIP_BSDOS
      return 15;
    case 103: // LINKTYPE_PPP_BSDOS
      return 16;
    case 106: // LINKTYPE_ATM_CLIP
      return 19;
    case 246: // LINKTYPE_PFSYNC
      return bsdLike ? 18 : 246;
    case 258: // LINKTYPE_PKTAP
      return os === "darwin" ? 149 : 258;
    default:
      return linkType;
  }
}

/** Options for {@link compileBpfProgram}. */
export interface CompileOptions {
  /** Run libpcap's optimizer (tcpdump does unless `-O`). Default true. */
  optimize?: boolean;
  /**
   * Netmask for `ip broadcast`. Default 0, as tcpdump uses when reading a
   * file (so `ip broadcast` matches 0.0.0.0 and 255.255.255.255); pass
   * PCAP_NETMASK_UNKNOWN (0xffffffff) to make `ip broadcast` an error.
   */
  netmask?: number;
  /**
   * Byte order of the capture file the packets come from (default: this
   * machine's). Only DLT_NULL/DLT_ENC programs depend on it: their 4-byte
   * AF_ header is in the writer's byte order, and libpcap compiles the
   * comparison for it.
   */
  fileByteOrder?: "little" | "big";
  /**
   * Which libpcap handle compiles: "savefile" (default; falls back to
   * "dead" when fmemopen is unavailable) or "dead" (`pcap_open_dead`, as a
   * live capture would compile, minus the kernel's VLAN handling).
   */
  handle?: "savefile" | "dead";
}

const PARSE_PREFIX = "can't parse filter expression: ";
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Compiles `expression` for link type `linkType` (a LINKTYPE_* number) with
 * libpcap and copies the instructions out.
 *
 * The handle is a savefile handle reading an in-memory pcap file header
 * (`fmemopen` + `pcap_fopen_offline`), so the program is the one `tcpdump -r`
 * would run; where that is not possible (no `fmemopen`), a `pcap_open_dead`
 * handle, which differs only for DLT_NULL `ip6` (checks this OS's AF_INET6
 * value only) and the file byte order.
 *
 * @throws FilterError when libpcap cannot be loaded, rejects the expression
 *   (message `Cannot compile filter "<expr>": <libpcap's reason>`), or
 *   produces a program that reads Linux kernel metadata.
 */
export function compileBpfProgram(
  expression: string,
  linkType: number,
  snaplen: number = DEFAULT_SNAPLEN,
  options: CompileOptions = {},
): BpfProgram {
  const shown = JSON.stringify(expression);
  let pcap: LibpcapSymbols;
  try {
    pcap = loadLibpcap().symbols;
  } catch (e) {
    if (e instanceof LibpcapLoadError) {
      throw new FilterError(`Cannot compile filter ${shown}: ${e.message}`);
    }
    throw e;
  }
  const snap = snaplen > 0 && snaplen <= 0x7fffffff ? snaplen | 0 : DEFAULT_SNAPLEN;
  const littleEndian = (options.fileByteOrder ?? (HOST_LITTLE_ENDIAN ? "little" : "big")) ===
    "little";
  const handle =
    (options.handle === "dead" ? null : openSavefileHandle(pcap, linkType, snap, littleEndian)) ??
      pcap.pcap_open_dead(linkTypeToDlt(linkType), snap);
  if (handle === null) {
    throw new FilterError(`Cannot compile filter ${shown}: cannot open a libpcap handle`);
  }
  try {
    const progBuf = new Uint8Array(BPF_PROGRAM_SIZE);
    const rc = pcap.pcap_compile(
      handle,
      progBuf,
      cString(expression),
      options.optimize === false ? 0 : 1,
      (options.netmask ?? 0) >>> 0,
    );
    if (rc !== 0) {
      let reason = readCString(pcap.pcap_geterr(handle)).split("\n")[0].trim();
      if (reason.startsWith(PARSE_PREFIX)) reason = reason.slice(PARSE_PREFIX.length);
      throw new FilterError(`Cannot compile filter ${shown}: ${reason || "unknown error"}`);
    }
    try {
      const prog = copyProgram(progBuf);
      checkUsable(prog, shown);
      return prog;
    } finally {
      pcap.pcap_freecode(progBuf);
    }
  } finally {
    pcap.pcap_close(handle);
    openHeaders.clear();
  }
}

/**
 * Backing memory of fmemopen'd headers: each must stay reachable until its
 * FILE is closed (by pcap_close), so it is held here until then.
 */
const openHeaders = new Set<Uint8Array>();
const READ_MODE = cString("rb");

/**
 * A libpcap savefile handle whose "file" is just a pcap file header
 * (draft-ietf-opsawg-pcap §4) for `linkType` and `snaplen`, in the given
 * byte order; null if libc's fmemopen is not available or libpcap refuses.
 */
function openSavefileHandle(
  pcap: LibpcapSymbols,
  linkType: number,
  snaplen: number,
  littleEndian: boolean,
): Deno.PointerValue {
  if (pcap.fmemopen === null || pcap.pcap_fopen_offline === null || pcap.fclose === null) {
    return null;
  }
  const header = new Uint8Array(24);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, 0xa1b2c3d4, littleEndian); // magic, microsecond timestamps
  dv.setUint16(4, 2, littleEndian); // version 2.4
  dv.setUint16(6, 4, littleEndian);
  dv.setUint32(16, snaplen, littleEndian);
  // libpcap maps LINKTYPE_ to DLT_ itself; 14 is our raw-IP addition (see linkTypeToDlt).
  dv.setUint32(20, linkType === 14 ? 101 : linkType, littleEndian);
  openHeaders.add(header);
  const fp = pcap.fmemopen(header, BigInt(header.length), READ_MODE);
  if (fp === null) {
    openHeaders.delete(header);
    return null;
  }
  const errbuf = new Uint8Array(PCAP_ERRBUF_SIZE);
  const handle = pcap.pcap_fopen_offline(fp, errbuf);
  if (handle === null) {
    pcap.fclose(fp);
    openHeaders.delete(header);
    return null;
  }
  return handle;
}

/** Copies the instructions of a filled `struct bpf_program` out of libpcap's memory. */
function copyProgram(progBuf: Uint8Array<ArrayBuffer>): BpfProgram {
  const header = new Uint32Array(progBuf.buffer, 0, 1);
  const n = header[0];
  const addr = new BigUint64Array(progBuf.buffer, BPF_PROGRAM_INSNS_OFFSET, 1)[0];
  const raw = new Uint8Array(n * BPF_INSN_SIZE);
  if (n > 0) {
    const ptr = Deno.UnsafePointer.create(addr);
    if (ptr === null) throw new FilterError("Cannot read compiled filter: null instructions");
    new Deno.UnsafePointerView(ptr).copyInto(raw);
  }
  // Host byte order, as libpcap wrote it.
  const u16 = new Uint16Array(raw.buffer);
  const u32 = new Uint32Array(raw.buffer);
  const prog = {
    length: n,
    code: new Uint16Array(n),
    jt: new Uint8Array(n),
    jf: new Uint8Array(n),
    k: new Uint32Array(n),
  };
  for (let i = 0; i < n; i++) {
    prog.code[i] = u16[i * 4];
    prog.jt[i] = raw[i * 8 + 2];
    prog.jf[i] = raw[i * 8 + 3];
    prog.k[i] = u32[i * 2 + 1];
  }
  return prog;
}

function checkUsable(prog: BpfProgram, shown: string): void {
  if (usesKernelExtensions(prog)) {
    throw new FilterError(
      `Cannot use filter ${shown}: it uses Linux kernel extensions that do not apply to files`,
    );
  }
  const bad = validateBpfProgram(prog);
  if (bad !== null) throw new FilterError(`Cannot use filter ${shown}: ${bad}`);
}

/**
 * True if the program loads Linux socket-filter metadata (absolute or
 * indirect packet loads at offsets ≥ {@link SKF_EXT_MIN}).
 */
export function usesKernelExtensions(prog: BpfProgram): boolean {
  for (let i = 0; i < prog.length; i++) {
    const c = prog.code[i];
    const cls = c & 0x07;
    const mode = c & 0xe0;
    if (
      (cls === BPF_LD && (mode === BPF_ABS || mode === BPF_IND)) ||
      (cls === BPF_LDX && mode === BPF_MSH)
    ) {
      if (prog.k[i] >= SKF_EXT_MIN) return true;
    }
  }
  return false;
}

const KNOWN_OPCODES: ReadonlySet<number> = (() => {
  const set = new Set<number>([
    BPF_RET | BPF_K,
    BPF_RET | BPF_A,
    BPF_LD | BPF_W | BPF_ABS,
    BPF_LD | BPF_H | BPF_ABS,
    BPF_LD | BPF_B | BPF_ABS,
    BPF_LD | BPF_W | BPF_LEN,
    BPF_LDX | BPF_W | BPF_LEN,
    BPF_LD | BPF_W | BPF_IND,
    BPF_LD | BPF_H | BPF_IND,
    BPF_LD | BPF_B | BPF_IND,
    BPF_LDX | BPF_MSH | BPF_B,
    BPF_LD | BPF_IMM,
    BPF_LDX | BPF_IMM,
    BPF_LD | BPF_MEM,
    BPF_LDX | BPF_MEM,
    BPF_ST,
    BPF_STX,
    BPF_JMP | BPF_JA,
    BPF_ALU | BPF_NEG,
    BPF_MISC | BPF_TAX,
    BPF_MISC | BPF_TXA,
  ]);
  for (const src of [BPF_K, BPF_X]) {
    for (const op of [BPF_JGT, BPF_JGE, BPF_JEQ, BPF_JSET]) set.add(BPF_JMP | op | src);
    for (
      const op of [
        BPF_ADD,
        BPF_SUB,
        BPF_MUL,
        BPF_DIV,
        BPF_MOD,
        BPF_AND,
        BPF_OR,
        BPF_XOR,
        BPF_LSH,
        BPF_RSH,
      ]
    ) set.add(BPF_ALU | op | src);
  }
  return set;
})();

/** True if `code` is an opcode libpcap's interpreter executes (bpf_filter.c). */
export function isKnownOpcode(code: number): boolean {
  return KNOWN_OPCODES.has(code);
}

/**
 * Checks a program as libpcap's `bpf_validate` does: every opcode known,
 * scratch-memory indexes < 16, no constant division/modulo by 0 or shift
 * by ≥ 32, every jump target inside the program, no jump to itself, last
 * instruction a RET. Backward `ja` (used by `protochain`) is allowed.
 *
 * @returns null if valid, otherwise the reason (one line).
 */
export function validateBpfProgram(prog: BpfProgram): string | null {
  const n = prog.length;
  if (n < 1) return "empty program";
  for (let i = 0; i < n; i++) {
    const c = prog.code[i];
    const k = prog.k[i];
    if (!isKnownOpcode(c)) return `invalid opcode 0x${c.toString(16)} at ${i}`;
    const cls = c & 0x07;
    if (
      (cls === BPF_ST || cls === BPF_STX ||
        ((cls === BPF_LD || cls === BPF_LDX) && (c & 0xe0) === BPF_MEM)) &&
      k >= BPF_MEMWORDS
    ) {
      return `scratch memory index ${k} out of range at ${i}`;
    }
    if (cls === BPF_ALU && (c & 0x08) === BPF_K) {
      const op = c & 0xf0;
      if ((op === BPF_DIV || op === BPF_MOD) && k === 0) return `division by zero at ${i}`;
      if ((op === BPF_LSH || op === BPF_RSH) && k >= 32) return `shift by ${k} at ${i}`;
    }
    if (cls === BPF_JMP) {
      if ((c & 0xf0) === BPF_JA) {
        const target = i + 1 + (k | 0);
        if (target < 0 || target >= n) return `jump target out of range at ${i}`;
        if (target === i) return `jump to itself at ${i}`;
      } else if (i + 1 + prog.jt[i] >= n || i + 1 + prog.jf[i] >= n) {
        return `jump target out of range at ${i}`;
      }
    }
  }
  if ((prog.code[n - 1] & 0x07) !== BPF_RET) return "program does not end in a return";
  return null;
}

/** True if any `ja` jumps backwards (libpcap's `protochain`). */
export function hasBackwardJumps(prog: BpfProgram): boolean {
  for (let i = 0; i < prog.length; i++) {
    if (prog.code[i] === (BPF_JMP | BPF_JA) && (prog.k[i] | 0) < 0) return true;
  }
  return false;
}

const ALU_NAMES: Record<number, string> = {
  [BPF_ADD]: "add",
  [BPF_SUB]: "sub",
  [BPF_MUL]: "mul",
  [BPF_DIV]: "div",
  [BPF_OR]: "or",
  [BPF_AND]: "and",
  [BPF_LSH]: "lsh",
  [BPF_RSH]: "rsh",
  [BPF_MOD]: "mod",
  [BPF_XOR]: "xor",
};
const JMP_NAMES: Record<number, string> = {
  [BPF_JEQ]: "jeq",
  [BPF_JGT]: "jgt",
  [BPF_JGE]: "jge",
  [BPF_JSET]: "jset",
};

/** One instruction in `tcpdump -d` notation (bpf_image.c), without the `(nnn)` prefix. */
export function formatBpfInsn(prog: BpfProgram, i: number): string {
  const c = prog.code[i];
  const k = prog.k[i];
  const hex = "0x" + k.toString(16);
  const sz = (c & 0x18) === BPF_W ? "" : (c & 0x18) === BPF_H ? "h" : "b";
  switch (c & 0x07) {
    case BPF_RET:
      return (c & 0x18) === BPF_A ? "ret" : `ret #${k}`;
    case BPF_LD:
    case BPF_LDX: {
      const x = (c & 0x07) === BPF_LDX;
      const op = (x ? "ldx" : "ld") + sz;
      switch (c & 0xe0) {
        case BPF_ABS:
          return `${op} [${k}]`;
        case BPF_IND:
          return `${op} [x + ${k}]`;
        case BPF_MSH:
          return `ldxb 4*([${k}]&0xf)`;
        case BPF_LEN:
          return `${x ? "ldx" : "ld"} #pktlen`;
        case BPF_IMM:
          return `${x ? "ldx" : "ld"} #${hex}`;
        case BPF_MEM:
          return `${x ? "ldx" : "ld"} M[${k}]`;
      }
      break;
    }
    case BPF_ST:
      return `st M[${k}]`;
    case BPF_STX:
      return `stx M[${k}]`;
    case BPF_ALU: {
      if ((c & 0xf0) === BPF_NEG) return "neg";
      const op = c & 0xf0;
      const name = ALU_NAMES[op] ?? "?";
      if ((c & 0x08) === BPF_X) return `${name} x`;
      // bpf_image.c prints and/or/xor constants in hex, the others as signed decimal.
      return `${name} #${op === BPF_AND || op === BPF_OR || op === BPF_XOR ? hex : k | 0}`;
    }
    case BPF_JMP: {
      if ((c & 0xf0) === BPF_JA) return `ja ${i + 1 + (k | 0)}`;
      const name = JMP_NAMES[c & 0xf0] ?? "?";
      const operand = (c & 0x08) === BPF_X ? "x" : `#${hex}`;
      return `${name} ${operand} jt ${i + 1 + prog.jt[i]} jf ${i + 1 + prog.jf[i]}`;
    }
    case BPF_MISC:
      return (c & 0xf8) === BPF_TXA ? "txa" : "tax";
  }
  return `unimp 0x${c.toString(16)}`;
}

/** The whole program in `tcpdump -d` notation, one instruction per line. */
export function formatBpfProgram(prog: BpfProgram): string {
  const lines: string[] = [];
  for (let i = 0; i < prog.length; i++) {
    lines.push(`(${String(i).padStart(3, "0")}) ${formatBpfInsn(prog, i)}`);
  }
  return lines.join("\n");
}

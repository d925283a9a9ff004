/**
 * DNS message decoder (RFC 1035 §4.1), also used for mDNS (RFC 6762) and
 * LLMNR (RFC 4795), which share the wire format.
 *
 * `decodeDns` is the per-packet part: it allocates nothing (but a DataView
 * when it is given another buffer, once per input chunk), validates the
 * whole message (every name, every RDATA layout: the status depends on all
 * of it) and records offsets and numbers into a reused `DnsInfo`. Of each
 * kept resource record it stores only where the owner name starts; type,
 * class, TTL and RDATA place are read from the message when something first
 * asks for them (display, JSON). Everything that makes strings
 * (`dnsNameAt`, `dnsRdataText`, `formatDnsSummary`, `dnsToJson`) runs only
 * when something is displayed or exported.
 *
 * Name rules (RFC 1035 §3.1, §4.1.4): labels of at most 63 bytes, a name of
 * at most 255 bytes on the wire (length bytes and the root byte included),
 * compression pointers (top bits 11) that point strictly before the start of
 * the name part being read (so every pointer goes backward and loops are
 * impossible; BIND and tcpdump use the same rule) and at most
 * `DNS_MAX_POINTERS` pointers per name. Extended label types 01 and 10
 * (RFC 6891 §5, RFC 2673 bit labels) are malformed.
 *
 * All offsets stored in `DnsInfo` are absolute offsets into the buffer that
 * was decoded; compression pointers are resolved against `msgOff`.
 *
 * @module
 */

import { ipv4Text, ipv6Text } from "../display/addresses.ts";

// ---- status codes (same values as ST_OK / ST_TRUNCATED / ST_MALFORMED in packet.ts) ----

/** Every section announced by the header was parsed. */
export const DNS_OK = 0;
/**
 * The captured bytes end before the message does (`len < wireLen`, a snaplen
 * cut): everything parsed up to that point is valid and kept.
 */
export const DNS_TRUNCATED = 1;
/**
 * The message contradicts itself or RFC 1035: the header announces more
 * records than the (complete) message holds, a bad label type, a pointer
 * that does not go backward, a name over 255 bytes, or RDATA whose length
 * does not fit its type. What was parsed before the problem is kept.
 */
export const DNS_MALFORMED = 2;

/** Status names, indexed by DNS_* status. */
export const DNS_STATUS_NAMES: readonly string[] = ["ok", "truncated", "malformed"];

/** Questions whose offsets are kept (all are walked and counted). */
export const DNS_MAX_QUESTIONS = 4;
/** Resource records (all sections, wire order) whose offsets are kept. */
export const DNS_MAX_RRS = 32;
/** Compression pointers followed per name before the name counts as malformed. */
export const DNS_MAX_POINTERS = 128;

/** `DnsInfo.rrSection` values. */
export const DNS_SECTION_ANSWER = 1;
export const DNS_SECTION_AUTHORITY = 2;
export const DNS_SECTION_ADDITIONAL = 3;

// ---- RR types used by the decoder (IANA "Resource Record (RR) TYPEs") ----
export const DNS_TYPE_A = 1;
export const DNS_TYPE_NS = 2;
export const DNS_TYPE_CNAME = 5;
export const DNS_TYPE_SOA = 6;
export const DNS_TYPE_PTR = 12;
export const DNS_TYPE_HINFO = 13;
export const DNS_TYPE_MX = 15;
export const DNS_TYPE_TXT = 16;
export const DNS_TYPE_AAAA = 28;
export const DNS_TYPE_SRV = 33;
export const DNS_TYPE_DNAME = 39;
export const DNS_TYPE_OPT = 41;
export const DNS_TYPE_NSEC = 47;
export const DNS_TYPE_SVCB = 64;
export const DNS_TYPE_HTTPS = 65;
export const DNS_TYPE_ANY = 255;
export const DNS_TYPE_CAA = 257;

/** Class values (RFC 1035 §3.2.4, RFC 6762 §10.2 for the mDNS top bit). */
export const DNS_CLASS_IN = 1;
/** mDNS: top bit of QCLASS = unicast response wanted; of an RR CLASS = cache flush. */
export const DNS_CLASS_MDNS_BIT = 0x8000;

const T_MD = 3;
const T_MF = 4;
const T_MB = 7;
const T_MG = 8;
const T_MR = 9;
const T_MINFO = 14;
const T_RP = 17;
const T_AFSDB = 18;
const T_RT = 21;
const T_KX = 36;
const T_A6 = 38;
const T_SPF = 99;
const T_UNSPECA = 104; // tcpdump's number for its "unspecified ascii" type
const T_TSIG = 250;
const T_URI = 256;

/** The decoded DNS message: one reused object with a fixed shape. */
export class DnsInfo {
  /** DNS_OK, DNS_TRUNCATED or DNS_MALFORMED. */
  status = DNS_OK;
  /** True when decoded as mDNS (class top bits are QU / cache-flush flags). */
  mdns = false;
  /** Offset of the message (its header) in the buffer, -1 if none. */
  msgOff = -1;
  /** Captured message bytes (the decoder never reads past msgOff + msgLen). */
  msgLen = 0;
  /** Message length on the wire (>= msgLen; larger when the capture was cut). */
  wireLen = 0;
  /** Offset just past the last question/record parsed completely, -1 if none. */
  endOff = -1;

  // ---- header (RFC 1035 §4.1.1, RFC 2535 §6.1 for AD/CD) ----
  id = 0;
  /**
   * Second header word as on the wire (QR|Opcode|AA|TC|RD|RA|Z|AD|CD|RCODE);
   * the getters `qr` .. `cd` read its bits.
   */
  flags = 0;
  /** The 4-bit header RCODE. */
  rcode = 0;
  /** RCODE extended by the OPT record's upper 8 bits (RFC 6891 §6.1.3). */
  fullRcode = 0;
  qdCount = 0;
  anCount = 0;
  nsCount = 0;
  arCount = 0;

  // ---- question section ----
  /** Questions parsed (may exceed DNS_MAX_QUESTIONS; only that many are kept). */
  qParsed = 0;
  /** Offset of each kept question's QNAME. */
  readonly qNameOff: Int32Array = new Int32Array(DNS_MAX_QUESTIONS);
  readonly qType: Uint16Array = new Uint16Array(DNS_MAX_QUESTIONS);
  /** QCLASS as on the wire (mDNS: top bit = QU). */
  readonly qClass: Uint16Array = new Uint16Array(DNS_MAX_QUESTIONS);

  // ---- resource records ----
  /** Answer / authority / additional records parsed (all, not only kept ones). */
  anParsed = 0;
  nsParsed = 0;
  arParsed = 0;
  /** Records kept in the rr* arrays (<= DNS_MAX_RRS), in wire order. */
  rrCount = 0;
  /** Answer records among the kept ones: they are rr indexes 0 .. anKept-1. */
  anKept = 0;
  /**
   * Offset of each kept record's owner name. The decoder stores only this;
   * the other per-record arrays (`rrSection` .. `rrRdataLen`) are filled
   * from the message bytes when one of them is first read (display, JSON),
   * which must happen while those bytes are still in place, as for every
   * offset here.
   */
  readonly rrNameOff: Int32Array = new Int32Array(DNS_MAX_RRS);
  readonly #rrSection = new Uint8Array(DNS_MAX_RRS);
  readonly #rrType = new Uint16Array(DNS_MAX_RRS);
  readonly #rrClass = new Uint16Array(DNS_MAX_RRS);
  readonly #rrTtl = new Uint32Array(DNS_MAX_RRS);
  readonly #rrRdataOff = new Int32Array(DNS_MAX_RRS);
  readonly #rrRdataLen = new Uint16Array(DNS_MAX_RRS);
  /** The buffer the last message was decoded from (for the lazy arrays). */
  #source: Uint8Array = new Uint8Array(0);
  /** A DataView over `#source`, for the decoder's 16/32-bit reads. */
  #view: DataView = new DataView(this.#source.buffer);
  /** The lazy per-record arrays hold the current message's records. */
  #recordsFilled = true;

  // ---- EDNS (first OPT record of the additional section, RFC 6891 §6.1) ----
  /** Offset of the OPT record's RDATA, -1 if the message has no OPT record. */
  ednsOff = -1;
  /** Requestor's UDP payload size (the OPT CLASS field). */
  ednsUdpSize = 0;
  ednsVersion = 0;
  /** DNSSEC OK bit. */
  ednsDo = 0;

  // ---- header bits, read from `flags` ----
  get qr(): number {
    return this.flags >>> 15;
  }
  get opcode(): number {
    return (this.flags >>> 11) & 15;
  }
  get aa(): number {
    return (this.flags >>> 10) & 1;
  }
  get tc(): number {
    return (this.flags >>> 9) & 1;
  }
  get rd(): number {
    return (this.flags >>> 8) & 1;
  }
  get ra(): number {
    return (this.flags >>> 7) & 1;
  }
  get z(): number {
    return (this.flags >>> 6) & 1;
  }
  get ad(): number {
    return (this.flags >>> 5) & 1;
  }
  get cd(): number {
    return (this.flags >>> 4) & 1;
  }

  // ---- per-record fields of the kept records (filled on first read) ----
  /** DNS_SECTION_* of each kept record. */
  get rrSection(): Uint8Array {
    if (!this.#recordsFilled) this.#fillRecords();
    return this.#rrSection;
  }
  get rrType(): Uint16Array {
    if (!this.#recordsFilled) this.#fillRecords();
    return this.#rrType;
  }
  /** CLASS as on the wire (mDNS: top bit = cache flush; OPT: UDP payload size). */
  get rrClass(): Uint16Array {
    if (!this.#recordsFilled) this.#fillRecords();
    return this.#rrClass;
  }
  get rrTtl(): Uint32Array {
    if (!this.#recordsFilled) this.#fillRecords();
    return this.#rrTtl;
  }
  get rrRdataOff(): Int32Array {
    if (!this.#recordsFilled) this.#fillRecords();
    return this.#rrRdataOff;
  }
  get rrRdataLen(): Uint16Array {
    if (!this.#recordsFilled) this.#fillRecords();
    return this.#rrRdataLen;
  }

  /**
   * Called by the decoder before it reads a message in `buf`: a DataView
   * over `buf` (made only when the buffer changes, once per input chunk).
   */
  viewOf(buf: Uint8Array): DataView {
    if (this.#source !== buf) {
      this.#source = buf;
      this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    return this.#view;
  }

  /**
   * Called by the decoder once records are kept: their fields are to be read
   * from the message's buffer (given to {@link viewOf}) when first asked for.
   */
  recordsKept(): void {
    this.#recordsFilled = false;
  }

  /**
   * Reads type, class, TTL and RDATA place of every kept record from its
   * owner name on (the decoder validated all of it), and the section from
   * the record's place in wire order.
   */
  #fillRecords(): void {
    this.#recordsFilled = true;
    const b = this.#source;
    const msg = this.msgOff;
    const end = msg + this.msgLen;
    const an = this.anParsed;
    const anNs = an + this.nsParsed;
    memo[M_AT] = -1;
    for (let i = 0; i < this.rrCount; i++) {
      const q = skipName(b, this.rrNameOff[i], msg, end);
      this.#rrSection[i] = i < an
        ? DNS_SECTION_ANSWER
        : i < anNs
        ? DNS_SECTION_AUTHORITY
        : DNS_SECTION_ADDITIONAL;
      this.#rrType[i] = (b[q] << 8) | b[q + 1];
      this.#rrClass[i] = (b[q + 2] << 8) | b[q + 3];
      this.#rrTtl[i] = (b[q + 4] << 24) | (b[q + 5] << 16) | (b[q + 6] << 8) | b[q + 7];
      this.#rrRdataLen[i] = (b[q + 8] << 8) | b[q + 9];
      this.#rrRdataOff[i] = q + 10;
    }
  }

  /** Clear every field (the typed arrays are governed by the counters). */
  reset(): void {
    this.status = DNS_OK;
    this.mdns = false;
    this.msgOff = -1;
    this.msgLen = 0;
    this.wireLen = 0;
    this.endOff = -1;
    this.id = 0;
    this.flags = 0;
    this.rcode = 0;
    this.fullRcode = 0;
    this.qdCount = 0;
    this.anCount = 0;
    this.nsCount = 0;
    this.arCount = 0;
    this.qParsed = 0;
    this.anParsed = 0;
    this.nsParsed = 0;
    this.arParsed = 0;
    this.rrCount = 0;
    this.anKept = 0;
    this.ednsOff = -1;
    this.ednsUdpSize = 0;
    this.ednsVersion = 0;
    this.ednsDo = 0;
    this.#recordsFilled = true;
  }
}

// ---- name walking ----

/** skipName result: the captured bytes ended inside the name. */
const NAME_SHORT = -1;
/** skipName result: the name breaks a rule (label type, pointer, length). */
const NAME_BAD = -2;

// Private copies of the exported constants for the per-message code below:
// in optimised code an exported binding is read through its export cell at
// every use (even inside its own module), a private constant from the
// module context (measured: 3 ns of 54 per message of the benchmark traffic).
const S_OK = DNS_OK;
const S_TRUNCATED = DNS_TRUNCATED;
const S_MALFORMED = DNS_MALFORMED;
const MAX_QUESTIONS = DNS_MAX_QUESTIONS;
const MAX_RRS = DNS_MAX_RRS;
const MAX_POINTERS = DNS_MAX_POINTERS;
const T_A = DNS_TYPE_A;
const T_AAAA = DNS_TYPE_AAAA;
const T_CAA = DNS_TYPE_CAA;
const T_CNAME = DNS_TYPE_CNAME;
const T_DNAME = DNS_TYPE_DNAME;
const T_HINFO = DNS_TYPE_HINFO;
const T_HTTPS = DNS_TYPE_HTTPS;
const T_MX = DNS_TYPE_MX;
const T_NS = DNS_TYPE_NS;
const T_NSEC = DNS_TYPE_NSEC;
const T_OPT = DNS_TYPE_OPT;
const T_PTR = DNS_TYPE_PTR;
const T_SOA = DNS_TYPE_SOA;
const T_SRV = DNS_TYPE_SRV;
const T_SVCB = DNS_TYPE_SVCB;
const T_TXT = DNS_TYPE_TXT;

/**
 * One-entry memo of a name already walked, valid for one decodeDns call only
 * (cleared there and by every other caller): the suffix at `memo[M_AT]`
 * (the target of the last name's first pointer, or the last name read
 * without a pointer) is valid and has `memo[M_LEN]` bytes on the wire (root
 * byte included) and `memo[M_HOPS]` pointers. A suffix's validity does not
 * depend on who points at it, so the answers of a typical response, which
 * all point at the question name or at a CNAME target, walk it once.
 * A typed array, not module `let`s: its loads and stores are plain memory
 * accesses in optimised code.
 */
const memo = new Int32Array(3);
const M_AT = 0;
const M_LEN = 1;
const M_HOPS = 2;
memo[M_AT] = -1;

/**
 * Walk the name at `p` (RFC 1035 §4.1.4) without building it. `msg` is the
 * message start (pointer base), `end` the end of the captured bytes.
 * Returns the offset just past the name where it sits (after its root byte or
 * its first pointer), NAME_SHORT or NAME_BAD.
 *
 * This part reads the labels up to the root or the first pointer, and a
 * first pointer to the memoised suffix; a pointer to anything else goes on
 * in {@link skipPointedName}. Kept small so that the decoder's loops inline it.
 */
function skipName(b: Uint8Array, p: number, msg: number, end: number): number {
  const start = p;
  let total = 1; // the root byte
  let l: number;
  for (;;) {
    if (p >= end) return NAME_SHORT;
    l = b[p];
    if (l === 0) {
      if (p > start) {
        memo[M_AT] = start;
        memo[M_LEN] = total;
        memo[M_HOPS] = 0;
      }
      return p + 1;
    }
    if (l >= 64) break;
    total += l + 1;
    if (total > 255) return NAME_BAD;
    p += l + 1;
  }
  if (l < 0xc0) return NAME_BAD; // 0x40 extended / 0x80 reserved label types
  if (p + 1 >= end) return NAME_SHORT;
  const target = msg + (((l & 0x3f) << 8) | b[p + 1]);
  // Pointers must go strictly backward (before the part being read).
  if (target >= start) return NAME_BAD;
  if (target === memo[M_AT]) {
    total += memo[M_LEN] - 1;
    return total > 255 || 1 + memo[M_HOPS] > MAX_POINTERS ? NAME_BAD : p + 2;
  }
  return skipPointedName(b, target, msg, end, total, p + 2);
}

/**
 * The rest of {@link skipName} after the name's first pointer, to `p`:
 * `total` bytes counted so far (root byte included), `after` the offset just
 * past that pointer. Memoises the suffix at `p` when the name is valid.
 */
function skipPointedName(
  b: Uint8Array,
  p: number,
  msg: number,
  end: number,
  total: number,
  after: number,
): number {
  const first = p;
  const firstTotal = total;
  let partStart = p;
  let jumps = 1;
  for (;;) {
    if (p >= end) return NAME_SHORT;
    const l = b[p];
    if (l === 0) {
      memo[M_AT] = first;
      memo[M_LEN] = total - firstTotal + 1;
      memo[M_HOPS] = jumps - 1;
      return after;
    }
    if (l < 64) {
      total += l + 1;
      if (total > 255) return NAME_BAD;
      p += l + 1;
      continue;
    }
    if (l < 0xc0) return NAME_BAD;
    if (p + 1 >= end) return NAME_SHORT;
    const target = msg + (((l & 0x3f) << 8) | b[p + 1]);
    if (target >= partStart || ++jumps > MAX_POINTERS) return NAME_BAD;
    partStart = target;
    p = target;
  }
}

/** Validate character-strings (RFC 1035 §3.3) filling exactly [p, e). */
function charStringsFill(b: Uint8Array, p: number, e: number, min: number): boolean {
  let n = 0;
  while (p < e) {
    p += b[p] + 1;
    n++;
  }
  return p === e && n >= min;
}

/**
 * Check RDATA [rd, rd + n) of a record of type `t` whose bytes are all
 * captured. Types with names or an internal layout must fill their RDATA
 * exactly; unknown types are opaque. Empty RDATA is accepted for every type
 * (RFC 2136 §2.5 deletions).
 */
function rdataOk(b: Uint8Array, t: number, rd: number, n: number, msg: number, end: number) {
  if (n === 0) return true;
  const e = rd + n;
  let q: number;
  switch (t) {
    case T_A:
      return n === 4;
    case T_AAAA:
      return n === 16;
    case T_NS:
    case T_MD:
    case T_MF:
    case T_CNAME:
    case T_MB:
    case T_MG:
    case T_MR:
    case T_PTR:
    case T_DNAME:
      return skipName(b, rd, msg, end) === e;
    case T_SOA:
      q = skipName(b, rd, msg, end);
      if (q < 0 || q >= e) return false;
      q = skipName(b, q, msg, end);
      return q >= 0 && q + 20 === e;
    case T_MINFO:
    case T_RP:
      q = skipName(b, rd, msg, end);
      return q >= 0 && q < e && skipName(b, q, msg, end) === e;
    case T_MX:
    case T_AFSDB:
    case T_RT:
    case T_KX:
      return n >= 3 && skipName(b, rd + 2, msg, end) === e;
    case T_SRV:
      return n >= 7 && skipName(b, rd + 6, msg, end) === e;
    case T_TXT:
    case T_SPF:
      return charStringsFill(b, rd, e, 1);
    case T_HINFO:
      return charStringsFill(b, rd, e, 2);
    case T_OPT:
      // RFC 6891 §6.1.2: {OPTION-CODE, OPTION-LENGTH, OPTION-DATA}*
      q = rd;
      while (q + 4 <= e) q += 4 + ((b[q + 2] << 8) | b[q + 3]);
      return q === e;
    case T_NSEC: {
      // RFC 4034 §4.1: next name, then {window, length 1..32, bitmap}*
      q = skipName(b, rd, msg, end);
      if (q < 0 || q > e) return false;
      while (q + 2 <= e) {
        const bl = b[q + 1];
        if (bl === 0 || bl > 32) return false;
        q += 2 + bl;
      }
      return q === e;
    }
    case T_SVCB:
    case T_HTTPS: {
      // RFC 9460 §2.2: priority, target, {key, length, value}* with keys increasing
      if (n < 3) return false;
      q = skipName(b, rd + 2, msg, end);
      if (q < 0 || q > e) return false;
      let last = -1;
      while (q + 4 <= e) {
        const key = (b[q] << 8) | b[q + 1];
        if (key <= last) return false;
        last = key;
        q += 4 + ((b[q + 2] << 8) | b[q + 3]);
      }
      return q === e;
    }
    case T_CAA:
      // RFC 8659 §4.1: flags, tag length (>= 1), tag, value
      return n >= 2 && b[rd + 1] >= 1 && b[rd + 1] <= n - 2;
    default:
      return true;
  }
}

/**
 * Decode the DNS message at `buf[off .. off + len)` into `info` (every
 * field is replaced). No allocation but a DataView when `buf` is not the
 * buffer `info` last decoded from; never reads outside `[off, off + len)`.
 * The per-record arrays other than `rrNameOff` are filled from `buf` when
 * first read, so read them before `buf` is overwritten.
 *
 * `wireLen` is the message length on the wire (UDP length - 8, or the TCP
 * length prefix): when it is larger than `len` the capture was cut and
 * running out of bytes gives DNS_TRUNCATED; otherwise it gives DNS_MALFORMED.
 * `mdns` marks the message as mDNS (RFC 6762: tcpdump uses it for UDP port
 * 5353 on either side, unless the other port is 53); it only changes how
 * classes are displayed.
 *
 * Returns DNS_OK, DNS_TRUNCATED or DNS_MALFORMED (also stored in
 * `info.status`). Whatever was parsed before a problem stays in `info`.
 */
export function decodeDns(
  buf: Uint8Array,
  off: number,
  len: number,
  info: DnsInfo,
  wireLen: number = len,
  mdns = false,
): number {
  let end = off + len;
  if (end > buf.length) end = buf.length;
  if (off < 0 || end < off) {
    // A caller bug rather than a capture problem: nothing to decode.
    end = off = 0;
    wireLen = 0;
  }
  return decodeDnsMessage(buf, off, end, info, wireLen, mdns);
}

/**
 * {@link decodeDns} for a range already known to lie in `buf`
 * (`0 <= off <= end <= buf.length`), as the packet decoder passes it.
 */
export function decodeDnsMessage(
  buf: Uint8Array,
  off: number,
  end: number,
  info: DnsInfo,
  wireLen: number,
  mdns: boolean,
): number {
  memo[M_AT] = -1;
  const cap = end - off;
  const wl = wireLen > cap ? wireLen : cap;
  // Where running out of captured bytes leads.
  const short = wl > cap ? S_TRUNCATED : S_MALFORMED;
  if (cap < 12) {
    info.reset();
    info.msgOff = off;
    info.msgLen = cap;
    info.wireLen = wl;
    info.mdns = mdns;
    return (info.status = short);
  }
  // Every scalar of `info` is written below (no reset() first): this is
  // the per-packet path.
  info.msgOff = off;
  info.msgLen = cap;
  info.wireLen = wl;
  info.mdns = mdns;
  const b = buf;
  const v = info.viewOf(b);
  const w0 = v.getInt32(off); // ID, flags
  const w1 = v.getInt32(off + 4); // QDCOUNT, ANCOUNT
  const w2 = v.getInt32(off + 8); // NSCOUNT, ARCOUNT
  info.id = w0 >>> 16;
  const f = w0 & 0xffff;
  info.flags = f;
  const rcode = f & 15;
  info.rcode = rcode;
  const qd = w1 >>> 16;
  const an = w1 & 0xffff;
  const ns = w2 >>> 16;
  const ar = w2 & 0xffff;
  info.qdCount = qd;
  info.anCount = an;
  info.nsCount = ns;
  info.arCount = ar;
  let p = off + 12;

  // Question section (RFC 1035 §4.1.2).
  const qNameOff = info.qNameOff;
  const qType = info.qType;
  const qClass = info.qClass;
  let st = S_OK;
  let i = 0;
  for (; i < qd; i++) {
    const q = skipName(b, p, off, end);
    if (q < 0) {
      st = q === NAME_BAD ? S_MALFORMED : short;
      break;
    }
    if (q + 4 > end) {
      st = short;
      break;
    }
    if (i < MAX_QUESTIONS) {
      const typeClass = v.getInt32(q);
      qNameOff[i] = p;
      qType[i] = typeClass >>> 16;
      qClass[i] = typeClass & 0xffff;
    }
    p = q + 4;
  }
  info.qParsed = i;

  // Answer, authority and additional records (RFC 1035 §4.1.3), in one
  // pass over all three sections.
  let k = 0; // records parsed
  let kept = 0;
  let ednsOff = -1;
  let ednsUdpSize = 0;
  let ednsTtl = 0;
  if (st === S_OK) {
    const rrNameOff = info.rrNameOff;
    const anNs = an + ns;
    const total = anNs + ar;
    for (; k < total; k++) {
      const q = skipName(b, p, off, end);
      if (q < 0) {
        st = q === NAME_BAD ? S_MALFORMED : short;
        break;
      }
      if (q + 10 > end) {
        st = short;
        break;
      }
      const typeClass = v.getInt32(q);
      const type = typeClass >>> 16;
      const rdLen = v.getUint16(q + 8);
      const rd = q + 10;
      if (rd + rdLen > end) {
        st = short;
        break;
      }
      // A and AAAA inline (most records); other types through rdataOk.
      if (
        rdLen !== 0 &&
        (type === T_A
          ? rdLen !== 4
          : type === T_AAAA
          ? rdLen !== 16
          : !rdataOk(b, type, rd, rdLen, off, end))
      ) {
        st = S_MALFORMED;
        break;
      }
      // The first OPT record of the additional section (RFC 6891 §6.1.1).
      if (type === T_OPT && k >= anNs && ednsOff < 0) {
        ednsOff = rd;
        ednsUdpSize = typeClass & 0xffff;
        ednsTtl = v.getInt32(q + 4);
      }
      // Only the owner name's place is stored: DnsInfo reads the rest of
      // a kept record from there if it is ever asked for.
      if (kept < MAX_RRS) rrNameOff[kept++] = p;
      p = rd + rdLen;
    }
  }
  // Records parsed per section: every section before the one that ended
  // the walk is complete.
  const anParsed = k < an ? k : an;
  const nsParsed = k <= an ? 0 : k - an < ns ? k - an : ns;
  info.anParsed = anParsed;
  info.nsParsed = nsParsed;
  info.arParsed = k - anParsed - nsParsed;
  info.anKept = anParsed < MAX_RRS ? anParsed : MAX_RRS;
  info.rrCount = kept;
  if (kept > 0) info.recordsKept();
  info.ednsOff = ednsOff;
  info.ednsUdpSize = ednsUdpSize;
  if (ednsOff >= 0) {
    info.ednsVersion = (ednsTtl >>> 16) & 0xff;
    info.ednsDo = (ednsTtl >>> 15) & 1;
    info.fullRcode = ((ednsTtl >>> 24) << 4) | rcode;
  } else {
    info.ednsVersion = 0;
    info.ednsDo = 0;
    info.fullRcode = rcode;
  }
  info.endOff = p;
  return (info.status = st);
}

// ---------------------------------------------------------------------------
// Lazy text (display / export only: these allocate)
// ---------------------------------------------------------------------------

const TYPE_NAMES: Record<number, string> = {
  1: "A",
  2: "NS",
  3: "MD",
  4: "MF",
  5: "CNAME",
  6: "SOA",
  7: "MB",
  8: "MG",
  9: "MR",
  10: "NULL",
  11: "WKS",
  12: "PTR",
  13: "HINFO",
  14: "MINFO",
  15: "MX",
  16: "TXT",
  17: "RP",
  18: "AFSDB",
  19: "X25",
  20: "ISDN",
  21: "RT",
  22: "NSAP",
  23: "NSAP_PTR",
  24: "SIG",
  25: "KEY",
  26: "PX",
  27: "GPOS",
  28: "AAAA",
  29: "LOC",
  30: "NXT",
  31: "EID",
  32: "NIMLOC",
  33: "SRV",
  34: "ATMA",
  35: "NAPTR",
  36: "KX",
  37: "CERT",
  38: "A6",
  39: "DNAME",
  40: "SINK",
  41: "OPT",
  42: "APL",
  43: "DS",
  44: "SSHFP",
  45: "IPSECKEY",
  46: "RRSIG",
  47: "NSEC",
  48: "DNSKEY",
  49: "DHCID",
  50: "NSEC3",
  51: "NSEC3PARAM",
  52: "TLSA",
  53: "SMIMEA",
  55: "HIP",
  56: "NINFO",
  57: "RKEY",
  58: "TALINK",
  59: "CDS",
  60: "CDNSKEY",
  61: "OPENPGPKEY",
  62: "CSYNC",
  63: "ZONEMD",
  64: "SVCB",
  65: "HTTPS",
  99: "SPF",
  100: "UINFO",
  101: "UID",
  102: "GID",
  103: "UNSPEC",
  104: "NID",
  105: "L32",
  106: "L64",
  107: "LP",
  108: "EUI48",
  109: "EUI64",
  249: "TKEY",
  250: "TSIG",
  251: "IXFR",
  252: "AXFR",
  253: "MAILB",
  254: "MAILA",
  255: "ANY",
  256: "URI",
  257: "CAA",
  258: "AVC",
  259: "DOA",
  260: "AMTRELAY",
  32768: "TA",
  32769: "DLV",
};

/**
 * Types tcpdump 4.99 names (its `ns_type2str`) like IANA does; others it
 * prints as "Type<n>", except 104 (IANA NID), which it calls "UNSPECA".
 * Used only by formatDnsSummary so that it matches tcpdump.
 */
function tcpdumpKnows(t: number): boolean {
  return (t >= 1 && t <= 48) || (t >= 99 && t <= 103) || (t >= 249 && t <= 256);
}

/**
 * Mnemonic of an RR TYPE (IANA registry; e.g. 1 → "A", 65 → "HTTPS");
 * unknown types as tcpdump prints them: "Type<n>".
 */
export function dnsTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `Type${type}`;
}

/** Mnemonic of a CLASS (IN, CHAOS, HS, NONE, ANY); others "CLASS<n>" (RFC 3597 §5). */
export function dnsClassName(cls: number): string {
  switch (cls) {
    case 1:
      return "IN";
    case 3:
      return "CHAOS";
    case 4:
      return "HS";
    case 254:
      return "NONE";
    case 255:
      return "ANY";
    default:
      return `CLASS${cls}`;
  }
}

const RCODE_NAMES = [
  "NoError",
  "FormErr",
  "ServFail",
  "NXDomain",
  "NotImp",
  "Refused",
  "YXDomain",
  "YXRRSet",
  "NXRRSet",
  "NotAuth",
  "NotZone",
  "DSOTYPENI",
  "Resp12",
  "Resp13",
  "Resp14",
  "Resp15",
  "BadVers",
  "BadKey",
  "BadTime",
  "BadMode",
  "BadName",
  "BadAlg",
  "BadTrunc",
  "BadCookie",
];

/** Name of a (possibly extended) RCODE (RFC 1035 §4.1.1, RFC 6895 §2.3). */
export function dnsRcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `Resp${rcode}`;
}

const OPCODE_NAMES = ["Query", "IQuery", "Status", "Op3", "Notify", "Update", "DSO"];

/** Name of an OPCODE (RFC 1035, RFC 1996 Notify, RFC 2136 Update, RFC 8490 DSO). */
export function dnsOpcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode] ?? `Op${opcode}`;
}

/**
 * Append one label's bytes in presentation form: printable ASCII as is,
 * "." and "\" escaped with a backslash, other bytes as \DDD (RFC 1035 §5.1).
 */
function labelText(b: Uint8Array, p: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const c = b[p + i];
    if (c === 0x2e || c === 0x5c) s += "\\" + String.fromCharCode(c);
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += "\\" + String(c).padStart(3, "0");
  }
  return s;
}

/**
 * The name at `nameOff` inside the message `info` describes, as dotted text
 * with a trailing dot the way tcpdump prints it ("example.com."; the root is
 * "."). Characters outside printable ASCII are \DDD escapes and dots inside a
 * label are "\.". Returns "<malformed>" if the name breaks the rules
 * decodeDns enforces (it cannot for offsets decodeDns stored).
 */
export function dnsNameAt(buf: Uint8Array, info: DnsInfo, nameOff: number): string {
  const msg = info.msgOff;
  const end = msg + info.msgLen;
  let p = nameOff;
  let partStart = p;
  let total = 1;
  let jumps = 0;
  let s = "";
  for (;;) {
    if (p < msg || p >= end) return "<malformed>";
    const l = buf[p];
    if (l === 0) return s === "" ? "." : s;
    if (l < 64) {
      total += l + 1;
      if (total > 255 || p + 1 + l > end) return "<malformed>";
      s += labelText(buf, p + 1, l) + ".";
      p += l + 1;
      continue;
    }
    if (l < 0xc0 || p + 1 >= end) return "<malformed>";
    const target = msg + (((l & 0x3f) << 8) | buf[p + 1]);
    if (target >= partStart || ++jumps > DNS_MAX_POINTERS) return "<malformed>";
    partStart = target;
    p = target;
  }
}

// Address text is shared with the packet display (RFC 5952, inet_ntop's
// embedded-IPv4 forms); re-exported for the DNS module's callers.
export { ipv6Text };

/** A <character-string> (RFC 1035 §3.3) quoted, with \" \\ and \DDD escapes. */
function quotedString(b: Uint8Array, p: number, n: number): string {
  let s = '"';
  for (let i = 0; i < n; i++) {
    const c = b[p + i];
    if (c === 0x22 || c === 0x5c) s += "\\" + String.fromCharCode(c);
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += "\\" + String(c).padStart(3, "0");
  }
  return s + '"';
}

function hex(b: Uint8Array, p: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += b[p + i].toString(16).padStart(2, "0");
  return s;
}

function u16(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}

function u32(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

/** RFC 3597 §5 generic RDATA: "\# <length> <hex>". */
function genericRdata(b: Uint8Array, p: number, n: number): string {
  return n === 0 ? "\\# 0" : `\\# ${n} ${hex(b, p, n)}`;
}

/** Position just past the name at `p` (inside a kept record), or -1. */
function nameEnd(buf: Uint8Array, info: DnsInfo, p: number): number {
  memo[M_AT] = -1;
  const q = skipName(buf, p, info.msgOff, info.msgOff + info.msgLen);
  return q < 0 ? -1 : q;
}

const SVC_KEYS = [
  "mandatory",
  "alpn",
  "no-default-alpn",
  "port",
  "ipv4hint",
  "ech",
  "ipv6hint",
  "dohpath",
  "ohttp",
];

function svcKeyName(k: number): string {
  return SVC_KEYS[k] ?? `key${k}`;
}

function base64(b: Uint8Array, p: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[p + i]);
  return btoa(s);
}

/** SVCB/HTTPS RDATA (RFC 9460 §2.2, presentation as in §7). */
function svcbText(buf: Uint8Array, info: DnsInfo, rd: number, e: number): string {
  const prio = u16(buf, rd);
  let q = nameEnd(buf, info, rd + 2);
  if (q < 0 || q > e) return "";
  let s = `${prio} ${dnsNameAt(buf, info, rd + 2)}`;
  while (q + 4 <= e) {
    const key = u16(buf, q);
    const n = u16(buf, q + 2);
    const v = q + 4;
    if (v + n > e) break;
    s += " " + svcKeyName(key);
    switch (key) {
      case 0: { // mandatory: list of keys
        const keys: string[] = [];
        for (let i = 0; i + 1 < n; i += 2) keys.push(svcKeyName(u16(buf, v + i)));
        s += "=" + keys.join(",");
        break;
      }
      case 1: { // alpn: length-prefixed ids
        const ids: string[] = [];
        for (let i = 0; i < n;) {
          const l = buf[v + i];
          ids.push(labelText(buf, v + i + 1, Math.min(l, n - i - 1)));
          i += l + 1;
        }
        s += "=" + ids.join(",");
        break;
      }
      case 2: // no-default-alpn: no value
        break;
      case 3:
        if (n === 2) s += "=" + u16(buf, v);
        break;
      case 4: {
        const a: string[] = [];
        for (let i = 0; i + 4 <= n; i += 4) a.push(ipv4Text(buf, v + i));
        s += "=" + a.join(",");
        break;
      }
      case 6: {
        const a: string[] = [];
        for (let i = 0; i + 16 <= n; i += 16) a.push(ipv6Text(buf, v + i));
        s += "=" + a.join(",");
        break;
      }
      case 5:
        s += "=" + base64(buf, v, n);
        break;
      case 7:
        s += "=" + quotedString(buf, v, n);
        break;
      default:
        if (n > 0) s += "=" + hex(buf, v, n);
    }
    q = v + n;
  }
  return s;
}

/** NSEC type bitmap (RFC 4034 §4.1.2) as type mnemonics. */
function typeBitmapText(b: Uint8Array, q: number, e: number): string {
  let s = "";
  while (q + 2 <= e) {
    const win = b[q];
    const n = b[q + 1];
    for (let i = 0; i < n && q + 2 + i < e; i++) {
      const byte = b[q + 2 + i];
      for (let bit = 0; bit < 8; bit++) {
        if (byte & (0x80 >> bit)) s += " " + dnsTypeName(win * 256 + i * 8 + bit);
      }
    }
    q += 2 + n;
  }
  return s;
}

/**
 * Presentation text of record `i`'s RDATA (an index into the rr* arrays):
 * A → dotted quad; AAAA → RFC 5952 text; NS/CNAME/PTR/DNAME → name; MX →
 * "pref name"; TXT → quoted strings; SOA → "mname rname serial refresh retry
 * expire minimum"; SRV → "prio weight port target"; HTTPS/SVCB → "priority
 * target key=value..."; CAA → 'flags tag "value"'; NSEC → "next TYPES";
 * OPT → "udpsize=N version=V [do] [options=N]"; other types → RFC 3597
 * "\# length hex".
 */
export function dnsRdataText(buf: Uint8Array, info: DnsInfo, i: number): string {
  if (i < 0 || i >= info.rrCount) return "";
  const t = info.rrType[i];
  const rd = info.rrRdataOff[i];
  const n = info.rrRdataLen[i];
  const e = rd + n;
  if (rd < info.msgOff || e > info.msgOff + info.msgLen) return "";
  if (n === 0) return "";
  switch (t) {
    case DNS_TYPE_A:
      return n === 4 ? ipv4Text(buf, rd) : genericRdata(buf, rd, n);
    case DNS_TYPE_AAAA:
      return n === 16 ? ipv6Text(buf, rd) : genericRdata(buf, rd, n);
    case DNS_TYPE_NS:
    case T_MD:
    case T_MF:
    case DNS_TYPE_CNAME:
    case T_MB:
    case T_MG:
    case T_MR:
    case DNS_TYPE_PTR:
    case DNS_TYPE_DNAME:
      return dnsNameAt(buf, info, rd);
    case DNS_TYPE_MX:
    case T_AFSDB:
    case T_RT:
    case T_KX:
      return `${u16(buf, rd)} ${dnsNameAt(buf, info, rd + 2)}`;
    case DNS_TYPE_SRV:
      return `${u16(buf, rd)} ${u16(buf, rd + 2)} ${u16(buf, rd + 4)} ${
        dnsNameAt(buf, info, rd + 6)
      }`;
    case DNS_TYPE_SOA: {
      const q1 = nameEnd(buf, info, rd);
      const q2 = q1 < 0 ? -1 : nameEnd(buf, info, q1);
      if (q2 < 0 || q2 + 20 > e) return genericRdata(buf, rd, n);
      return `${dnsNameAt(buf, info, rd)} ${dnsNameAt(buf, info, q1)} ${u32(buf, q2)} ${
        u32(buf, q2 + 4)
      } ${u32(buf, q2 + 8)} ${u32(buf, q2 + 12)} ${u32(buf, q2 + 16)}`;
    }
    case T_MINFO:
    case T_RP: {
      const q1 = nameEnd(buf, info, rd);
      if (q1 < 0 || q1 >= e) return genericRdata(buf, rd, n);
      return `${dnsNameAt(buf, info, rd)} ${dnsNameAt(buf, info, q1)}`;
    }
    case DNS_TYPE_TXT:
    case T_SPF:
    case DNS_TYPE_HINFO: {
      const parts: string[] = [];
      for (let q = rd; q < e;) {
        const l = Math.min(buf[q], e - q - 1);
        parts.push(quotedString(buf, q + 1, l));
        q += l + 1;
      }
      return parts.join(" ");
    }
    case DNS_TYPE_SVCB:
    case DNS_TYPE_HTTPS:
      return n >= 3 ? svcbText(buf, info, rd, e) : genericRdata(buf, rd, n);
    case DNS_TYPE_CAA: {
      const tl = buf[rd + 1];
      if (n < 2 || tl > n - 2) return genericRdata(buf, rd, n);
      return `${buf[rd]} ${labelText(buf, rd + 2, tl)} ${
        quotedString(buf, rd + 2 + tl, n - 2 - tl)
      }`;
    }
    case DNS_TYPE_NSEC: {
      const q = nameEnd(buf, info, rd);
      if (q < 0 || q > e) return genericRdata(buf, rd, n);
      return dnsNameAt(buf, info, rd) + typeBitmapText(buf, q, e);
    }
    case DNS_TYPE_OPT:
      return optText(buf, info, i);
    default:
      return genericRdata(buf, rd, n);
  }
}

function optText(buf: Uint8Array, info: DnsInfo, i: number): string {
  const ttl = info.rrTtl[i];
  let s = `udpsize=${info.rrClass[i]} version=${(ttl >>> 16) & 0xff}`;
  if ((ttl >>> 15) & 1) s += " do";
  let count = 0;
  const rd = info.rrRdataOff[i];
  const e = rd + info.rrRdataLen[i];
  for (let q = rd; q + 4 <= e; q += 4 + u16(buf, q + 2)) count++;
  if (count > 0) s += ` options=${count}`;
  return s;
}

// ---------------------------------------------------------------------------
// tcpdump-compatible one-line summary
// ---------------------------------------------------------------------------

/** Thrown inside the summary printer where tcpdump's GET_ macros would longjmp. */
class TcpdumpTrunc {}
const TRUNC = new TcpdumpTrunc();

const NS_OPS = [
  "",
  " inv_q",
  " stat",
  " op3",
  " notify",
  " update",
  " op6",
  " op7",
  " op8",
  " updateA",
  " updateD",
  " updateDA",
  " updateM",
  " updateMA",
  " zoneInit",
  " zoneRef",
];

// tcpdump's table, including its two entries without a leading space.
const NS_RESP = [
  "",
  " FormErr",
  " ServFail",
  " NXDomain",
  " NotImp",
  " Refused",
  " YXDomain",
  " YXRRSet",
  " NXRRSet",
  " NotAuth",
  " NotZone",
  " Resp11",
  " Resp12",
  " Resp13",
  " Resp14",
  " NoChange",
  " BadVers",
  "Resp17",
  " Resp18",
  " Resp19",
  " Resp20",
  "Resp21",
  " Resp22",
  " BadCookie",
];

const EDNS_OPTS: Record<number, string> = {
  1: "LLQ",
  2: "UL",
  3: "NSID",
  5: "DAU",
  6: "DHU",
  7: "N3U",
  8: "ECS",
  9: "EXPIRE",
  10: "COOKIE",
  11: "KEEPALIVE",
  12: "PADDING",
  13: "CHAIN",
  14: "KEY-TAG",
  16: "CLIENT-TAG",
  17: "SERVER-TAG",
};

const DAU_ALGS: Record<number, string> = {
  0: "DELETE",
  1: "RSAMD5",
  2: "DH",
  3: "DS",
  5: "RSASHA1",
  6: "DSA-NSEC3-SHA1",
  7: "RSASHA1-NSEC3-SHA1",
  8: "RSASHA256",
  10: "RSASHA512",
  12: "ECC-GOST",
  13: "ECDSAP256SHA256",
  14: "ECDSAP384SHA384",
  15: "ED25519",
  16: "ED448",
  252: "INDIRECT",
  253: "PRIVATEDNS",
  254: "PRIVATEOID",
};
const DHU_ALGS: Record<number, string> = {
  1: "SHA-1",
  2: "SHA-256",
  3: "GOST_R_34.11-94",
  4: "SHA-384",
};
const N3U_ALGS: Record<number, string> = { 1: "SHA-1" };

/**
 * A re-implementation of tcpdump 4.99's print-domain.c at verbosity 0 over
 * the captured bytes (so it shows exactly what tcpdump shows, malformed
 * messages included). `snapend` is the end of the captured message.
 */
class TdPrinter {
  out = "";
  constructor(
    readonly b: Uint8Array,
    readonly bp: number,
    readonly snapend: number,
    readonly mdns: boolean,
  ) {}

  get1(p: number): number {
    if (p < this.bp || p >= this.snapend) throw TRUNC;
    return this.b[p];
  }
  get2(p: number): number {
    if (p < this.bp || p + 2 > this.snapend) throw TRUNC;
    return u16(this.b, p);
  }
  get4(p: number): number {
    if (p < this.bp || p + 4 > this.snapend) throw TRUNC;
    return u32(this.b, p);
  }
  has(p: number, n: number): boolean {
    return p >= this.bp && p + n <= this.snapend;
  }

  typeName(t: number): string {
    if (t === T_UNSPECA) return "UNSPECA";
    return tcpdumpKnows(t) ? dnsTypeName(t) : `Type${t}`;
  }
  className(c: number): string {
    switch (c) {
      case 1:
        return "IN";
      case 3:
        return "CHAOS";
      case 4:
        return "HS";
      case 255:
        return "ANY";
      default:
        return `(Class ${c})`;
    }
  }

  /** fn_print_char. */
  char(c: number): void {
    let s = "";
    if (c >= 0x80) {
      c &= 0x7f;
      s = "M-";
    }
    if (c < 0x20 || c === 0x7f) {
      c ^= 0x40;
      s += "^";
    }
    this.out += s + String.fromCharCode(c);
  }

  /** nd_printn: true if it stopped at snapend before n characters. */
  printn(p: number, n: number): boolean {
    while (n > 0 && p < this.snapend) {
      n--;
      this.char(this.get1(p));
      p++;
    }
    return n !== 0;
  }

  /** ns_nskip. */
  nskip(cp: number): number {
    if (!this.has(cp, 1)) return -1;
    let i = this.b[cp++];
    while (i) {
      switch (i & 0xc0) {
        case 0xc0:
          return cp + 1;
        case 0x40: {
          if ((i & 0x3f) !== 1) return -1;
          if (!this.has(cp, 1)) return -1;
          const bitlen = this.b[cp] || 256;
          cp++;
          cp += (bitlen + 7) >> 3;
          break;
        }
        case 0x80:
          return -1;
        default:
          cp += i;
      }
      if (!this.has(cp, 1)) return -1;
      i = this.b[cp++];
    }
    return cp;
  }

  /** labellen. */
  labellen(cp: number): number {
    if (!this.has(cp, 1)) return -1;
    const i = this.b[cp];
    switch (i & 0xc0) {
      case 0x40: {
        const elt = i & 0x3f;
        if (elt !== 1) {
          this.out += `<ELT ${elt}>`;
          return -1;
        }
        if (!this.has(cp + 1, 1)) return -1;
        const bitlen = this.b[cp + 1] || 256;
        return ((bitlen + 7) >> 3) + 1;
      }
      case 0x80:
        this.out += "<BAD LABEL TYPE>";
        return -1;
      default:
        return i;
    }
  }

  /** blabel_print. */
  blabel(cp: number): number {
    if (!this.has(cp, 1)) return -1;
    const bitlen = this.b[cp] || 256;
    const slen = (bitlen + 3) >> 2;
    const lim = cp + 1 + slen;
    this.out += "\\[x";
    let bitp = cp + 1;
    let b = bitlen;
    for (; bitp < lim && b > 7; b -= 8, bitp++) {
      this.out += this.get1(bitp).toString(16).padStart(2, "0");
    }
    if (b > 4) {
      const tc = this.get1(bitp);
      this.out += (tc & (0xff << (8 - b))).toString(16).padStart(2, "0");
    } else if (b > 0) {
      const tc = this.get1(bitp);
      this.out += (((tc >> 4) & 0x0f) & (0x0f << (4 - b))).toString(16);
    }
    this.out += `/${bitlen}]`;
    return lim;
  }

  /** fqdn_print: prints the name at cp, returns the offset after it or -1. */
  fqdn(cp: number, bp: number): number {
    let l = this.labellen(cp);
    if (l < 0) return -1;
    if (!this.has(cp, 1)) return -1;
    let maxOffset = cp - bp;
    let i = this.b[cp];
    cp++;
    let rp = -1;
    let compress = false;
    let nameChars = 0;
    if ((i & 0xc0) !== 0xc0) rp = cp + l;
    if (i !== 0) {
      while (i && cp < this.snapend) {
        switch (i & 0xc0) {
          case 0xc0: {
            if (!compress) {
              rp = cp + 1;
              compress = true;
            }
            if (!this.has(cp, 1)) return -1;
            const offset = ((i << 8) | this.b[cp]) & 0x3fff;
            if (offset >= maxOffset) {
              this.out += "<BAD PTR>";
              return -1;
            }
            maxOffset = offset;
            cp = bp + offset;
            if (!this.has(cp, 1)) return -1;
            i = this.b[cp];
            l = this.labellen(cp);
            if (l < 0) return -1;
            cp++;
            continue;
          }
          case 0x40: {
            const elt = i & 0x3f;
            if (elt === 1) {
              if (this.blabel(cp) < 0) return -1;
            } else {
              this.out += `<ELT ${elt}>`;
              return -1;
            }
            break;
          }
          case 0x80:
            this.out += "<BAD LABEL TYPE>";
            return -1;
          default:
            if (nameChars + l <= 255) {
              if (this.printn(cp, l)) return -1;
            } else if (nameChars < 255) {
              if (this.printn(cp, 255 - nameChars)) return -1;
            }
            nameChars += l;
        }
        cp += l;
        if (nameChars <= 255) this.out += ".";
        nameChars++;
        if (!this.has(cp, 1)) return -1;
        i = this.b[cp];
        l = this.labellen(cp);
        if (l < 0) return -1;
        cp++;
        if (!compress) rp += l + 1;
      }
      if (nameChars > 255) this.out += "<DOMAIN NAME TOO LONG>";
    } else this.out += ".";
    return rp;
  }

  /** ns_cprint. */
  cprint(cp: number): number {
    if (!this.has(cp, 1)) return -1;
    const i = this.b[cp];
    cp++;
    if (this.printn(cp, i)) return -1;
    return cp + i;
  }

  /** ns_qprint. */
  qprint(cp: number): number {
    const np = cp;
    cp = this.nskip(cp);
    if (cp < 0 || !this.has(cp, 4)) return -1;
    this.out += " " + this.typeName(this.get2(cp));
    const i = this.get2(cp + 2);
    const cls = this.mdns ? i & 0x7fff : i;
    if (cls !== 1) this.out += " " + this.className(cls);
    if (this.mdns) this.out += i & 0x8000 ? " (QU)" : " (QM)";
    this.out += "? ";
    const r = this.fqdn(np, this.bp);
    return r < 0 ? -1 : r + 4;
  }

  /** eopt_print. */
  eopt(cp: number): number {
    if (!this.has(cp, 2)) return -1;
    const opt = this.get2(cp);
    cp += 2;
    this.out += EDNS_OPTS[opt] ?? `Opt${opt}`;
    if (!this.has(cp, 2)) return -1;
    const n = this.get2(cp);
    cp += 2;
    if (!this.has(cp, n)) return -1;
    if (n > 0) {
      this.out += " ";
      const b = this.b;
      switch (opt) {
        case 8:
          this.ecs(cp, n);
          break;
        case 10:
          if (n < 8 || (n > 8 && n < 16) || n > 40) this.out += " (invalid)";
          else {
            for (let i = 0; i < n; i++) {
              if (i === 8) this.out += " ";
              this.out += b[cp + i].toString(16).padStart(2, "0");
            }
          }
          break;
        case 11:
          if (n !== 2) this.out += " (invalid)";
          else this.out += `${(u16(b, cp) / 10).toFixed(1)} sec`;
          break;
        case 9:
          if (n !== 4) this.out += " (invalid)";
          else this.out += `${u32(b, cp)} sec`;
          break;
        case 12:
          this.out += `(${n})`;
          break;
        case 14:
          if (n % 2 !== 0) this.out += " (invalid)";
          else {
            for (let i = 0; i < n; i += 2) this.out += (i > 0 ? " " : "") + u16(b, cp + i);
          }
          break;
        case 5:
        case 6:
        case 7: {
          const table = opt === 5 ? DAU_ALGS : opt === 6 ? DHU_ALGS : N3U_ALGS;
          for (let i = 0; i < n; i++) {
            this.out += (i > 0 ? " " : "") + (table[b[cp + i]] ?? `Alg_${b[cp + i]}`);
          }
          break;
        }
        case 13: {
          // tcpdump passes the option's end as the pointer base.
          this.fqdn(cp, cp + n);
          break;
        }
        default:
          this.out += hex(b, cp, n);
      }
    }
    return cp + n;
  }

  /** print_eopt_ecs. */
  ecs(cp: number, n: number): void {
    if (n < 4) {
      this.out += " (invalid)";
      return;
    }
    const family = this.get2(cp);
    const srcLen = this.get1(cp + 2);
    const scopeLen = this.get1(cp + 3);
    const bits = family === 1 ? 32 : family === 2 ? 128 : 0;
    if (bits === 0 || n - 4 > bits / 8) {
      this.out += " (invalid)";
      return;
    }
    if (srcLen > bits || scopeLen > bits || ((srcLen + 7) >> 3) !== n - 4) {
      this.out += " (invalid)";
      return;
    }
    const padded = new Uint8Array(16);
    padded.set(this.b.subarray(cp + 4, cp + n));
    const addr = family === 1 ? ipv4Text(padded, 0) : ipv6Text(padded, 0);
    this.out += `${addr}/${srcLen}/${scopeLen}`;
  }

  /** ns_rprint (verbosity 0). Returns the offset after the record, or -1. */
  rprint(cp: number): number {
    const b = this.b;
    cp = this.nskip(cp);
    if (cp < 0 || !this.has(cp, 10)) return this.snapend;
    const typ = u16(b, cp);
    const i = u16(b, cp + 2);
    const cls = this.mdns ? i & 0x7fff : i;
    if (cls !== 1 && typ !== DNS_TYPE_OPT) this.out += " " + this.className(cls);
    if (this.mdns && i & 0x8000) this.out += " (Cache flush)";
    const optFlags = u16(b, cp + 6);
    const len = u16(b, cp + 8);
    cp += 10;
    const rp = cp + len;
    this.out += " " + this.typeName(typ);
    if (rp > this.snapend) return -1;
    switch (typ) {
      case DNS_TYPE_A:
        if (!this.has(cp, 4)) return -1;
        this.out += " " + ipv4Text(b, cp);
        break;
      case DNS_TYPE_NS:
      case DNS_TYPE_CNAME:
      case DNS_TYPE_PTR:
      case DNS_TYPE_DNAME:
        this.out += " ";
        if (this.fqdn(cp, this.bp) < 0) return -1;
        break;
      case DNS_TYPE_SOA:
        break;
      case DNS_TYPE_MX:
        this.out += " ";
        if (!this.has(cp, 2)) return -1;
        if (this.fqdn(cp + 2, this.bp) < 0) return -1;
        this.out += " " + u16(b, cp);
        break;
      case DNS_TYPE_TXT:
        while (cp < rp) {
          this.out += ' "';
          cp = this.cprint(cp);
          if (cp < 0) return -1;
          this.out += '"';
        }
        break;
      case DNS_TYPE_SRV:
        this.out += " ";
        if (!this.has(cp, 6)) return -1;
        if (this.fqdn(cp + 6, this.bp) < 0) return -1;
        this.out += `:${u16(b, cp + 4)} ${u16(b, cp)} ${u16(b, cp + 2)}`;
        break;
      case DNS_TYPE_AAAA:
        if (!this.has(cp, 16)) return -1;
        this.out += " " + ipv6Text(b, cp);
        break;
      case T_A6: {
        if (!this.has(cp, 1)) return -1;
        const pbit = b[cp];
        const pbyte = (pbit & ~7) >> 3;
        if (pbit > 128) {
          this.out += ` ${pbit}(bad plen)`;
          break;
        } else if (pbit < 128) {
          const a = new Uint8Array(16);
          for (let k = 0; k < 16 - pbyte; k++) a[pbyte + k] = this.get1(cp + 1 + k);
          this.out += ` ${pbit} ${ipv6Text(a, 0)}`;
        }
        if (pbit > 0) {
          this.out += " ";
          if (this.fqdn(cp + 1 + 16 - pbyte, this.bp) < 0) return -1;
        }
        break;
      }
      case T_URI:
        if (!this.has(cp, len)) return -1;
        this.out += ` ${this.get2(cp)} ${this.get2(cp + 2)} `;
        if (this.printn(cp + 4, (len - 4) >>> 0)) return -1;
        break;
      case DNS_TYPE_OPT:
        this.out += ` UDPsize=${cls}`;
        if (optFlags & 0x8000) this.out += " DO";
        if (cp < rp) {
          this.out += " [";
          while (cp < rp) {
            cp = this.eopt(cp);
            if (cp < 0) return -1;
            if (cp < rp) this.out += ",";
          }
          this.out += "]";
        }
        break;
      case T_UNSPECA:
        if (!this.has(cp, len)) return -1;
        if (this.printn(cp, len)) return -1;
        break;
      case T_TSIG:
        if (cp + len > this.snapend) return -1;
        break;
    }
    return rp;
  }

  /** domain_print (UDP, verbosity 0). */
  print(length: number): void {
    const b = this.b;
    const bp = this.bp;
    const snapend = this.snapend;
    if (length < 12) {
      this.out += `domain [length ${length} < 12] (invalid)`;
      return;
    }
    if (!this.has(bp, 12)) throw TRUNC;
    const flags = u16(b, bp + 2);
    let qd = u16(b, bp + 4);
    let an = u16(b, bp + 6);
    const ns = u16(b, bp + 8);
    const ar = u16(b, bp + 10);

    // Find the OPT record for the extended RCODE.
    let rcode = flags & 15;
    let cp = bp + 12;
    scan: {
      for (let i = 0; i < qd; i++) {
        cp = this.nskip(cp);
        if (cp < 0) break scan;
        cp += 4;
        if (cp >= snapend) break scan;
      }
      for (let i = 0; i < an + ns; i++) {
        cp = this.nskip(cp);
        if (cp < 0) break scan;
        cp += 8;
        if (cp + 2 > snapend) break scan;
        cp += 2 + this.get2(cp);
        if (cp >= snapend) break scan;
      }
      for (let i = 0; i < ar; i++) {
        cp = this.nskip(cp);
        if (cp < 0) break scan;
        if (cp + 2 > snapend) break scan;
        const type = this.get2(cp);
        cp += 4;
        if (cp + 1 > snapend) break scan;
        if (type === DNS_TYPE_OPT) {
          rcode |= this.get1(cp) << 4;
          break scan;
        }
        cp += 4;
        if (cp + 2 > snapend) break scan;
        cp += 2 + this.get2(cp);
        if (cp >= snapend) break scan;
      }
    }

    const id = u16(b, bp);
    const opcode = (flags >>> 11) & 15;
    if (flags & 0x8000) {
      this.out += `${id}${NS_OPS[opcode]}${NS_RESP[rcode] ?? ` Resp${rcode & 0xfff}`}` +
        `${flags & 0x0400 ? "*" : ""}${flags & 0x0080 ? "" : "-"}` +
        `${flags & 0x0200 ? "|" : ""}${flags & 0x0020 ? "$" : ""}`;
      if (qd !== 1) this.out += ` [${qd}q]`;
      cp = bp + 12;
      for (let i = 0; i < qd; i++) {
        if (i !== 0) this.out += ",";
        cp = this.nskip(cp);
        if (cp < 0) throw TRUNC;
        cp += 4;
      }
      this.out += ` ${an}/${ns}/${ar}`;
      if (an) {
        cp = this.rprint(cp);
        if (cp < 0) throw TRUNC;
        an--;
        while (cp < snapend && an) {
          this.out += ",";
          cp = this.rprint(cp);
          if (cp < 0) throw TRUNC;
          an--;
        }
      }
      if (an) throw TRUNC;
    } else {
      this.out += `${id}${NS_OPS[opcode]}${flags & 0x0100 ? "+" : ""}${flags & 0x0010 ? "%" : ""}`;
      if (flags & 0x6cf) this.out += ` [b2&3=0x${flags.toString(16)}]`;
      if (opcode === 1) {
        if (qd) this.out += ` [${qd}q]`;
        if (an !== 1) this.out += ` [${an}a]`;
      } else {
        if (an) this.out += ` [${an}a]`;
        if (qd !== 1) this.out += ` [${qd}q]`;
      }
      if (ns) this.out += ` [${ns}n]`;
      if (ar) this.out += ` [${ar}au]`;
      cp = bp + 12;
      if (qd) {
        cp = this.qprint(cp);
        if (cp < 0) throw TRUNC;
        qd--;
        while (cp < snapend && qd) {
          cp = this.qprint(cp);
          if (cp < 0) throw TRUNC;
          qd--;
        }
      }
      if (qd) throw TRUNC;
    }
    this.out += ` (${length})`;
  }
}

/**
 * Names in JSON drop the trailing root dot ("example.com", as tshark and
 * Zeek write them); the root itself stays ".".
 */
function jsonName(name: string): string {
  return name.length > 1 && name.endsWith(".") && !name.endsWith("\\.") ? name.slice(0, -1) : name;
}

/**
 * The DNS part of a tcpdump `-n` line (what tcpdump 4.99 prints after
 * "src > dst: " for UDP at verbosity 0), e.g. `12345+ A? example.com. (29)`
 * or `12345 1/0/0 A 93.184.216.34 (45)`; mDNS adds "(QM)"/"(QU)" and
 * "(Cache flush)". It follows tcpdump over the captured bytes, so messages
 * decodeDns rejects print as tcpdump prints them (e.g. " [|domain]" at the
 * point where tcpdump gives up, "<BAD PTR>"). The trailing "(N)" is
 * `info.wireLen`. Type names are tcpdump's: types it does not know, such as
 * HTTPS (65), print as "Type65" (dnsTypeName knows more).
 * DNS over TCP: tcpdump prints one extra leading space; it is not added here.
 */
export function formatDnsSummary(buf: Uint8Array, info: DnsInfo): string {
  if (info.msgOff < 0) return "";
  const p = new TdPrinter(buf, info.msgOff, info.msgOff + info.msgLen, info.mdns);
  try {
    p.print(info.wireLen);
  } catch (e) {
    if (e !== TRUNC) throw e;
    p.out += " [|domain]";
  }
  return p.out;
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

function rrJson(buf: Uint8Array, info: DnsInfo, i: number): Record<string, unknown> {
  const t = info.rrType[i];
  const c = info.rrClass[i];
  const o: Record<string, unknown> = {
    name: jsonName(dnsNameAt(buf, info, info.rrNameOff[i])),
    type: dnsTypeName(t),
    type_code: t,
  };
  if (t === DNS_TYPE_OPT) {
    o.udp_payload_size = c;
  } else {
    const cls = info.mdns ? c & 0x7fff : c;
    o.class = dnsClassName(cls);
    o.class_code = cls;
    if (info.mdns) o.cache_flush = (c & 0x8000) !== 0;
  }
  o.ttl = info.rrTtl[i];
  o.rdlength = info.rrRdataLen[i];
  o.data = dnsRdataText(buf, info, i);
  return o;
}

/**
 * JSON form of the decoded message: `{ id, qr, opcode, opcode_name, rcode,
 * rcode_name, status, mdns, flags: {qr, aa, tc, rd, ra, z, ad, cd}, counts:
 * {qd, an, ns, ar}, questions: [{name, type, type_code, class, classCode}],
 * answers / authority / additional: [{name, type, type_code, class, class_code,
 * ttl, rdlength, data}], edns? }`. Numbers stay numbers; `rcode` includes
 * the EDNS extension. Only kept questions/records appear (up to
 * DNS_MAX_QUESTIONS / DNS_MAX_RRS); `counts` are the header's.
 */
export function dnsToJson(buf: Uint8Array, info: DnsInfo): Record<string, unknown> {
  const questions: Record<string, unknown>[] = [];
  const nq = Math.min(info.qParsed, DNS_MAX_QUESTIONS);
  for (let i = 0; i < nq; i++) {
    const c = info.qClass[i];
    const cls = info.mdns ? c & 0x7fff : c;
    const q: Record<string, unknown> = {
      name: jsonName(dnsNameAt(buf, info, info.qNameOff[i])),
      type: dnsTypeName(info.qType[i]),
      type_code: info.qType[i],
      class: dnsClassName(cls),
      class_code: cls,
    };
    if (info.mdns) q.unicast_response = (c & 0x8000) !== 0;
    questions.push(q);
  }
  const answers: Record<string, unknown>[] = [];
  const authority: Record<string, unknown>[] = [];
  const additional: Record<string, unknown>[] = [];
  for (let i = 0; i < info.rrCount; i++) {
    const s = info.rrSection[i];
    const list = s === DNS_SECTION_ANSWER
      ? answers
      : s === DNS_SECTION_AUTHORITY
      ? authority
      : additional;
    list.push(rrJson(buf, info, i));
  }
  const o: Record<string, unknown> = {
    id: info.id,
    qr: info.qr,
    opcode: info.opcode,
    opcode_name: dnsOpcodeName(info.opcode),
    rcode: info.fullRcode,
    rcode_name: dnsRcodeName(info.fullRcode),
    status: DNS_STATUS_NAMES[info.status],
    mdns: info.mdns,
    flags: {
      qr: info.qr === 1,
      aa: info.aa === 1,
      tc: info.tc === 1,
      rd: info.rd === 1,
      ra: info.ra === 1,
      z: info.z === 1,
      ad: info.ad === 1,
      cd: info.cd === 1,
    },
    counts: { qd: info.qdCount, an: info.anCount, ns: info.nsCount, ar: info.arCount },
    questions,
    answers,
    authority,
    additional,
  };
  if (info.ednsOff >= 0) {
    o.edns = {
      udp_payload_size: info.ednsUdpSize,
      version: info.ednsVersion,
      do: info.ednsDo === 1,
    };
  }
  return o;
}

/**
 * TLS ClientHello decoder, packet level and best effort: it reads the first
 * record of one TCP segment's payload (RFC 8446 §5.1 record, §4 handshake
 * header, §4.1.2 ClientHello; RFC 5246 §7.4.1.2 for TLS 1.0-1.2) and pulls
 * out the SNI host name (RFC 6066 §3), the ALPN list (RFC 7301 §3.1), the
 * supported_versions maximum (RFC 8446 §4.2.1) and whether Encrypted Client
 * Hello is offered (extension 0xfe0d, draft-ietf-tls-esni).
 *
 * No TCP reassembly: a ClientHello that continues in later segments (or in a
 * later record) is parsed as far as this segment goes and flagged
 * `truncated`; the SNI is usually in the first segment. Every length is
 * checked against the record, the handshake message and the captured bytes;
 * nothing past `off + len` is read. The decoder allocates nothing; the
 * `tls*` text/JSON helpers allocate and run only for display/export.
 *
 * @module
 */

/** Not a TLS handshake record carrying a ClientHello (nothing else is decoded). */
export const TLS_NONE = 0;
/** A ClientHello was recognised (possibly `truncated`: only part of it captured). */
export const TLS_CLIENT_HELLO = 1;
/** A ClientHello whose lengths contradict each other or RFC 8446/5246. */
export const TLS_MALFORMED = 2;

/** Status names, indexed by TLS_* result. */
export const TLS_STATUS_NAMES: readonly string[] = ["none", "client_hello", "malformed"];

/** TLS record content type handshake (RFC 8446 §5.1). */
export const TLS_CONTENT_HANDSHAKE = 22;
/** Handshake type client_hello (RFC 8446 §4). */
export const TLS_HS_CLIENT_HELLO = 1;
/** Extension numbers (IANA "TLS ExtensionType Values"). */
export const TLS_EXT_SERVER_NAME = 0;
export const TLS_EXT_ALPN = 16;
export const TLS_EXT_SUPPORTED_VERSIONS = 43;
export const TLS_EXT_ECH = 0xfe0d;
/** Largest TLSPlaintext fragment (RFC 8446 §5.1: 2^14). */
export const TLS_MAX_RECORD = 16384;

/** The decoded ClientHello: one reused object with a fixed shape. */
export class TlsInfo {
  /** TLS_NONE, TLS_CLIENT_HELLO or TLS_MALFORMED (what the decoder returned). */
  status = TLS_NONE;
  /** ClientHello continues beyond the captured bytes or the first record. */
  truncated = false;
  /** Offset of the record header, -1 if no ClientHello was recognised. */
  recordOff = -1;
  /** Record content type, -1 if not seen. */
  contentType = -1;
  /** Record-layer version (0x0301 for most ClientHellos), 0 if not seen. */
  recordVersion = 0;
  /** Record length field. */
  recordLen = 0;
  /** Handshake message type, -1 if not seen. */
  handshakeType = -1;
  /** Handshake message length (24-bit field). */
  handshakeLen = 0;
  /** ClientHello legacy_version, 0 if not captured. */
  handshakeVersion = 0;
  /** Offset of the 32-byte random, -1 if not captured. */
  randomOff = -1;
  /** Legacy session id length. */
  sessionIdLen = 0;
  /** Offset of the first cipher suite, -1 if the list is not fully captured. */
  cipherOff = -1;
  /** Number of cipher suites (GREASE included). */
  cipherCount = 0;
  /** Number of compression methods. */
  compressionCount = 0;
  /** Offset of the first extension, -1 if there is no extensions block. */
  extOff = -1;
  /** Declared length of the extensions block. */
  extLen = 0;
  /** Extensions fully captured and walked (GREASE included). */
  extCount = 0;
  /** Offset / length of the first host_name in server_name, -1 / 0 if none. */
  sniOff = -1;
  sniLen = 0;
  /** A host_name was present but is not a plausible DNS host name. */
  sniInvalid = false;
  /** Offset / length of the ALPN protocol_name_list (after its length field). */
  alpnOff = -1;
  alpnLen = 0;
  /** Number of ALPN protocol names. */
  alpnCount = 0;
  /** Highest non-GREASE version in supported_versions, 0 if absent. */
  supportedVersionsMax = 0;
  /** Encrypted Client Hello extension (0xfe0d) present. */
  hasEch = false;

  /** Clear every field. */
  reset(): void {
    this.status = TLS_NONE;
    this.truncated = false;
    this.recordOff = -1;
    this.contentType = -1;
    this.recordVersion = 0;
    this.recordLen = 0;
    this.handshakeType = -1;
    this.handshakeLen = 0;
    this.handshakeVersion = 0;
    this.randomOff = -1;
    this.sessionIdLen = 0;
    this.cipherOff = -1;
    this.cipherCount = 0;
    this.compressionCount = 0;
    this.extOff = -1;
    this.extLen = 0;
    this.extCount = 0;
    this.sniOff = -1;
    this.sniLen = 0;
    this.sniInvalid = false;
    this.alpnOff = -1;
    this.alpnLen = 0;
    this.alpnCount = 0;
    this.supportedVersionsMax = 0;
    this.hasEch = false;
  }
}

/** GREASE values (RFC 8701 §2): 0x0a0a, 0x1a1a, ..., 0xfafa. */
export function isTlsGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >>> 8) === (v & 0xff);
}

/**
 * A plausible DNS host name: 1..253 bytes of ASCII letters, digits, '-', '_'
 * and '.', in labels of 1..63 bytes (no empty label, no trailing dot, as
 * RFC 6066 §3 sends it).
 */
function plausibleHost(b: Uint8Array, p: number, n: number): boolean {
  if (n < 1 || n > 253) return false;
  let label = 0;
  for (let i = 0; i < n; i++) {
    const c = b[p + i];
    if (c === 0x2e) {
      if (label === 0) return false;
      label = 0;
      continue;
    }
    if (
      !((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
        c === 0x2d || c === 0x5f)
    ) return false;
    if (++label > 63) return false;
  }
  return label > 0;
}

/** Set the status on info and return it. */
function done(info: TlsInfo, st: number): number {
  info.status = st;
  return st;
}

/**
 * Decode the TLS record at `buf[off .. off + len)` (one TCP segment's
 * payload) as a ClientHello into `info` (which is reset first).
 *
 * Returns TLS_NONE unless the bytes start with a handshake record
 * (type 22, version 0x03xx) whose first message is a client_hello (type 1);
 * TLS_CLIENT_HELLO when the ClientHello is consistent as far as it is
 * captured (`info.truncated` when it goes on beyond the captured bytes or
 * continues in a later record); TLS_MALFORMED when a length contradicts the
 * record, the handshake message or the protocol (record over 2^14 bytes,
 * session id over 32 bytes, odd or empty cipher suite list, empty
 * compression list, extensions block not filling the message, an extension
 * overrunning the block, a bad server_name/ALPN/supported_versions layout,
 * one of those three repeated). Fields parsed before the problem are kept.
 */
export function decodeTlsClientHello(
  buf: Uint8Array,
  off: number,
  len: number,
  info: TlsInfo,
): number {
  info.reset();
  let end = off + len;
  if (end > buf.length) end = buf.length;
  if (off < 0 || end - off < 1) return done(info, TLS_NONE);
  const b = buf;
  info.contentType = b[off];
  if (b[off] !== TLS_CONTENT_HANDSHAKE || end - off < 6) return done(info, TLS_NONE);
  info.recordVersion = (b[off + 1] << 8) | b[off + 2];
  info.recordLen = (b[off + 3] << 8) | b[off + 4];
  info.handshakeType = b[off + 5];
  if (b[off + 1] !== 3 || b[off + 5] !== TLS_HS_CLIENT_HELLO) return done(info, TLS_NONE);

  // From here on this is a ClientHello.
  info.recordOff = off;
  const recLen = info.recordLen;
  if (recLen < 4 || recLen > TLS_MAX_RECORD) return done(info, TLS_MALFORMED);
  const recEnd = off + 5 + recLen;
  if (end - off < 9) {
    info.truncated = true;
    return done(info, TLS_CLIENT_HELLO);
  }
  const hsLen = (b[off + 6] << 16) | (b[off + 7] << 8) | b[off + 8];
  info.handshakeLen = hsLen;
  // version 2 + random 32 + session id length 1 + suites 2+2 + compression 1+1
  if (hsLen < 41) return done(info, TLS_MALFORMED);
  const hsEnd = off + 9 + hsLen;
  // Bytes of the ClientHello we can read: this record, this segment.
  let bound = hsEnd < recEnd ? hsEnd : recEnd;
  if (end < bound) bound = end;
  info.truncated = bound < hsEnd;

  // A field of n bytes at p: beyond the message = malformed; beyond what we
  // can read = stop here (truncated ClientHello, still recognised).
  let p = off + 9;
  if (p + 34 > bound) return done(info, TLS_CLIENT_HELLO);
  info.handshakeVersion = (b[p] << 8) | b[p + 1];
  info.randomOff = p + 2;
  p += 34;

  if (p + 1 > bound) return done(info, TLS_CLIENT_HELLO);
  const sidLen = b[p];
  if (sidLen > 32) return done(info, TLS_MALFORMED);
  info.sessionIdLen = sidLen;
  p += 1 + sidLen;

  if (p + 2 > hsEnd) return done(info, TLS_MALFORMED);
  if (p + 2 > bound) return done(info, TLS_CLIENT_HELLO);
  const csLen = (b[p] << 8) | b[p + 1];
  if (csLen < 2 || (csLen & 1) !== 0 || p + 2 + csLen > hsEnd) return done(info, TLS_MALFORMED);
  if (p + 2 + csLen > bound) return done(info, TLS_CLIENT_HELLO);
  info.cipherOff = p + 2;
  info.cipherCount = csLen >>> 1;
  p += 2 + csLen;

  if (p + 1 > hsEnd) return done(info, TLS_MALFORMED);
  if (p + 1 > bound) return done(info, TLS_CLIENT_HELLO);
  const compLen = b[p];
  if (compLen < 1 || p + 1 + compLen > hsEnd) return done(info, TLS_MALFORMED);
  if (p + 1 + compLen > bound) return done(info, TLS_CLIENT_HELLO);
  info.compressionCount = compLen;
  p += 1 + compLen;

  if (p === hsEnd) return done(info, TLS_CLIENT_HELLO); // no extensions (SSL 3.0 style)
  if (p + 2 > hsEnd) return done(info, TLS_MALFORMED);
  if (p + 2 > bound) return done(info, TLS_CLIENT_HELLO);
  const extLen = (b[p] << 8) | b[p + 1];
  if (p + 2 + extLen !== hsEnd) return done(info, TLS_MALFORMED);
  info.extOff = p + 2;
  info.extLen = extLen;
  p += 2;

  let seen = 0; // bit 0 SNI, bit 1 ALPN, bit 2 supported_versions
  while (p < hsEnd) {
    if (p + 4 > hsEnd) return done(info, TLS_MALFORMED);
    if (p + 4 > bound) return done(info, TLS_CLIENT_HELLO);
    const type = (b[p] << 8) | b[p + 1];
    const n = (b[p + 2] << 8) | b[p + 3];
    const d = p + 4;
    const e = d + n;
    if (e > hsEnd) return done(info, TLS_MALFORMED);
    if (e > bound) return done(info, TLS_CLIENT_HELLO);
    switch (type) {
      case TLS_EXT_SERVER_NAME: {
        if (seen & 1) return done(info, TLS_MALFORMED);
        seen |= 1;
        if (n === 0) break;
        // ServerNameList: list length, {name_type, HostName length, HostName}*
        if (n < 2 || ((b[d] << 8) | b[d + 1]) !== n - 2) return done(info, TLS_MALFORMED);
        let q = d + 2;
        while (q < e) {
          if (q + 3 > e) return done(info, TLS_MALFORMED);
          const nameType = b[q];
          const nl = (b[q + 1] << 8) | b[q + 2];
          if (q + 3 + nl > e) return done(info, TLS_MALFORMED);
          if (nameType === 0 && info.sniOff < 0 && !info.sniInvalid) {
            if (plausibleHost(b, q + 3, nl)) {
              info.sniOff = q + 3;
              info.sniLen = nl;
            } else info.sniInvalid = true;
          }
          q += 3 + nl;
        }
        break;
      }
      case TLS_EXT_ALPN: {
        if (seen & 2) return done(info, TLS_MALFORMED);
        seen |= 2;
        // ProtocolNameList: list length (>= 2), {length (>= 1), name}*
        if (n < 2) return done(info, TLS_MALFORMED);
        const ll = (b[d] << 8) | b[d + 1];
        if (ll !== n - 2 || ll < 2) return done(info, TLS_MALFORMED);
        let q = d + 2;
        let count = 0;
        while (q < e) {
          const pl = b[q];
          if (pl === 0 || q + 1 + pl > e) return done(info, TLS_MALFORMED);
          q += 1 + pl;
          count++;
        }
        info.alpnOff = d + 2;
        info.alpnLen = ll;
        info.alpnCount = count;
        break;
      }
      case TLS_EXT_SUPPORTED_VERSIONS: {
        if (seen & 4) return done(info, TLS_MALFORMED);
        seen |= 4;
        // ClientHello form: length (2..254, even), versions
        if (n < 1) return done(info, TLS_MALFORMED);
        const vl = b[d];
        if (vl !== n - 1 || vl < 2 || (vl & 1) !== 0) return done(info, TLS_MALFORMED);
        let max = 0;
        for (let q = d + 1; q < e; q += 2) {
          const v = (b[q] << 8) | b[q + 1];
          if (!isTlsGrease(v) && v > max) max = v;
        }
        info.supportedVersionsMax = max;
        break;
      }
      case TLS_EXT_ECH:
        info.hasEch = true;
        break;
    }
    info.extCount++;
    p = e;
  }
  return done(info, TLS_CLIENT_HELLO);
}

// ---------------------------------------------------------------------------
// Lazy text (display / export only: these allocate)
// ---------------------------------------------------------------------------

/** The SNI host name, or "" when there is none (or it was not plausible). */
export function tlsSni(buf: Uint8Array, info: TlsInfo): string {
  if (info.sniOff < 0) return "";
  let s = "";
  for (let i = 0; i < info.sniLen; i++) s += String.fromCharCode(buf[info.sniOff + i]);
  return s;
}

/** Printable ASCII as is, other bytes as \xHH. */
function asciiText(b: Uint8Array, p: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const c = b[p + i];
    if (c >= 0x20 && c < 0x7f && c !== 0x5c) s += String.fromCharCode(c);
    else s += "\\x" + c.toString(16).padStart(2, "0");
  }
  return s;
}

/** The ALPN protocol names in offer order (e.g. ["h2", "http/1.1"]), [] if none. */
export function tlsAlpn(buf: Uint8Array, info: TlsInfo): string[] {
  const out: string[] = [];
  if (info.alpnOff < 0) return out;
  const e = info.alpnOff + info.alpnLen;
  for (let q = info.alpnOff; q < e;) {
    const n = buf[q];
    out.push(asciiText(buf, q + 1, n));
    q += 1 + n;
  }
  return out;
}

/** The cipher suite numbers in offer order (GREASE included), [] if not captured. */
export function tlsCipherSuites(buf: Uint8Array, info: TlsInfo): number[] {
  const out: number[] = [];
  if (info.cipherOff < 0) return out;
  for (let i = 0; i < info.cipherCount; i++) {
    const p = info.cipherOff + 2 * i;
    out.push((buf[p] << 8) | buf[p + 1]);
  }
  return out;
}

/** The extension types in wire order (GREASE included), as far as they were walked. */
export function tlsExtensionTypes(buf: Uint8Array, info: TlsInfo): number[] {
  const out: number[] = [];
  let p = info.extOff;
  if (p < 0) return out;
  for (let i = 0; i < info.extCount; i++) {
    out.push((buf[p] << 8) | buf[p + 1]);
    p += 4 + ((buf[p + 2] << 8) | buf[p + 3]);
  }
  return out;
}

/**
 * Name of a protocol version: "SSL 3.0", "TLS 1.0" .. "TLS 1.3", "DTLS 1.x",
 * "TLS 1.3 draft N" (0x7fNN), "GREASE" (RFC 8701) or "0x%04x".
 */
export function tlsVersionName(v: number): string {
  switch (v) {
    case 0x0002:
    case 0x0200:
      return "SSL 2.0";
    case 0x0300:
      return "SSL 3.0";
    case 0x0301:
      return "TLS 1.0";
    case 0x0302:
      return "TLS 1.1";
    case 0x0303:
      return "TLS 1.2";
    case 0x0304:
      return "TLS 1.3";
    case 0xfeff:
      return "DTLS 1.0";
    case 0xfefd:
      return "DTLS 1.2";
    case 0xfefc:
      return "DTLS 1.3";
  }
  if ((v >>> 8) === 0x7f) return `TLS 1.3 draft ${v & 0xff}`;
  if (isTlsGrease(v)) return "GREASE";
  return "0x" + v.toString(16).padStart(4, "0");
}

/**
 * JSON form: `{ status, truncated, recordVersion, handshakeVersion,
 * supportedVersionsMax, version, sni, sniInvalid, alpn, cipherCount,
 * compressionCount, extCount, sessionIdLength, hasEch }`. Versions are
 * numbers with a `...Name` text twin; `version` is the highest version
 * offered (supported_versions if present, else legacy_version); `sni` is
 * null when absent.
 */
export function tlsToJson(buf: Uint8Array, info: TlsInfo): Record<string, unknown> {
  const version = info.supportedVersionsMax || info.handshakeVersion;
  return {
    status: TLS_STATUS_NAMES[info.status],
    truncated: info.truncated,
    record_version: info.recordVersion,
    record_version_name: tlsVersionName(info.recordVersion),
    handshake_version: info.handshakeVersion,
    handshake_version_name: tlsVersionName(info.handshakeVersion),
    supported_versions_max: info.supportedVersionsMax,
    version,
    version_name: tlsVersionName(version),
    sni: info.sniOff >= 0 ? tlsSni(buf, info) : null,
    sni_invalid: info.sniInvalid,
    alpn: tlsAlpn(buf, info),
    cipher_count: info.cipherCount,
    compression_count: info.compressionCount,
    ext_count: info.extCount,
    session_id_length: info.sessionIdLen,
    has_ech: info.hasEch,
  };
}

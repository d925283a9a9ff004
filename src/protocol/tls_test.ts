import assert from "node:assert/strict";
import {
  decodeTlsClientHello,
  isTlsGrease,
  TLS_CLIENT_HELLO,
  TLS_MALFORMED,
  TLS_NONE,
  tlsAlpn,
  tlsCipherSuites,
  tlsExtensionTypes,
  TlsInfo,
  tlsSni,
  tlsToJson,
  tlsVersionName,
} from "./tls.ts";
import { fixture } from "../../tests/_fixtures.ts";
import { tsharkFields, type TsharkRow } from "../../tests/_tshark.ts";
import { prng } from "../../tests/_prng.ts";

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
  return out;
}

/** Every field of TlsInfo, offsets made relative to `base`. */
function snapshot(info: TlsInfo, base: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info)) {
    o[k] = k.endsWith("Off") && typeof v === "number" && v >= 0 ? v - base : v;
  }
  return o;
}

/** Decode tight and in the middle of a 0xFF-filled buffer; results must agree. */
function decodeBoth(msg: Uint8Array): { st: number; info: TlsInfo; json: string } {
  const a = new TlsInfo();
  const st = decodeTlsClientHello(msg, 0, msg.length, a);
  assert.equal(a.status, st);
  const big = new Uint8Array(msg.length + 600).fill(0xff);
  big.set(msg, 300);
  const b = new TlsInfo();
  assert.equal(decodeTlsClientHello(big, 300, msg.length, b), st);
  assert.deepEqual(snapshot(b, 300), snapshot(a, 0));
  const json = JSON.stringify(tlsToJson(msg, a));
  assert.equal(JSON.stringify(tlsToJson(big, b)), json);
  assert.deepEqual(tlsCipherSuites(big, b), tlsCipherSuites(msg, a));
  assert.deepEqual(tlsExtensionTypes(big, b), tlsExtensionTypes(msg, a));
  return { st, info: a, json };
}

// Real ClientHellos (TCP payloads).
/** tls13-ech.pcap (zeek) frame 7: Chrome TLS 1.3 with GREASE and ECH, outer SNI cloudflare-ech.com. */
const ECH_CH = fromHex(
  "1603010200010001fc0303d820986a1fb4dc3a70fac91f1359ff5e320c6a5e07397ab36f8c513be4585f5d" +
    "207c77f968ecbeda040598f47af5265fb5f0f5ef3279f08b43d03c31a57ce0c63000202a2a130113021303" +
    "c02bc02fc02cc030cca9cca8c013c014009c009d002f003501000193dada0000ff010001000010000e000c" +
    "02683208687474702f312e31000d00120010040308040401050308050501080606010033002b00291a1a00" +
    "0100001d0020231cb3a7bde0d15d97dfdfc4d315b112899e9480d1dc7a0e739c4058bbe7276d002d000201" +
    "0144690005000302683200230000002b0007068a8a03040303000a000a00081a1a001d00170018fe0d00ba" +
    "0000010001d10020cce5c83299bb8dffdb74bafd0a1d524b82973e224c12999beed169ee7a9ad67d00900b" +
    "7b2dc3b17adb2eabc1f7fabb61bdd5db777336a9da3679c5373ff69f0087b9453bd3ec42b6d17b1b7d024c" +
    "d7c4b627d1b0cd3ae9fbe5422f132187789d6c7f89f29201ff0e64853d3988adb723fff552447ebd087a55" +
    "422abe568a8dfe4596a5820f134ec9f192620e4b36776431e14e35a6c9ddbe912359b1bde0d74a062e634e" +
    "b5ced3063bed83f0b562f26278030017000000050005010000000000120000000b00020100000000170015" +
    "000012636c6f7564666c6172652d6563682e636f6d001b00030200029a9a0001000015000700000000000000",
);
/** chrome-34-google.pcap (zeek) frame 4: TLS 1.2 ClientHello, SNI google.de, NPN/ALPN. */
const CHROME34_CH = fromHex(
  "16030100cc010000c80303ee181414cc5464d43b1046f68825acf46d92663289d2f905ecfa687e856affaa" +
    "000028c02bc02f009ecc14cc13c00ac009c013c014c007c011003300320039009c002f0035000a00050004" +
    "010000770000000e000c000009676f6f676c652e6465ff01000100000a00080006001700180019000b0002" +
    "010000230000337400000010001b001906737064792f3308737064792f332e3108687474702f312e317550" +
    "0000000500050100000000000d001200100401050102010403050302030402020200120000",
);

// ---- hand-built ClientHello (RFC 8446 §4.1.2) ----
const be16 = (v: number) => [(v >>> 8) & 0xff, v & 0xff];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const ext = (type: number, data: number[]) => [...be16(type), ...be16(data.length), ...data];
const sniExt = (...names: string[]) => {
  const list = names.flatMap((n) => [0, ...be16(n.length), ...ascii(n)]);
  return ext(0, [...be16(list.length), ...list]);
};
const alpnExt = (...ps: string[]) => {
  const list = ps.flatMap((p) => [p.length, ...ascii(p)]);
  return ext(16, [...be16(list.length), ...list]);
};
const svExt = (...vs: number[]) => ext(43, [vs.length * 2, ...vs.flatMap(be16)]);

function clientHello(
  exts: number[][] | null,
  opts: { suites?: number[]; sid?: number; version?: number; recVersion?: number } = {},
): Uint8Array {
  const suites = opts.suites ?? [0x1301, 0xc02f];
  const sid = opts.sid ?? 32;
  const body = [
    ...be16(opts.version ?? 0x0303),
    ...new Array(32).fill(7),
    sid,
    ...new Array(sid).fill(9),
    ...be16(suites.length * 2),
    ...suites.flatMap(be16),
    1,
    0,
  ];
  if (exts !== null) {
    const e = exts.flat();
    body.push(...be16(e.length), ...e);
  }
  const hs = [
    1,
    (body.length >>> 16) & 0xff,
    (body.length >>> 8) & 0xff,
    body.length & 0xff,
    ...body,
  ];
  return new Uint8Array([22, ...be16(opts.recVersion ?? 0x0301), ...be16(hs.length), ...hs]);
}

// ---------------------------------------------------------------------------
// real ClientHellos without external tools
// ---------------------------------------------------------------------------

Deno.test("tls: real TLS 1.3 ClientHello with GREASE and ECH (tls13-ech.pcap frame 7)", () => {
  const { st, info, json } = decodeBoth(ECH_CH);
  assert.equal(st, TLS_CLIENT_HELLO);
  assert.equal(info.truncated, false);
  assert.equal(info.recordVersion, 0x0301);
  assert.equal(info.handshakeVersion, 0x0303);
  assert.equal(info.supportedVersionsMax, 0x0304); // 0x8a8a GREASE ignored
  assert.equal(tlsSni(ECH_CH, info), "cloudflare-ech.com");
  assert.deepEqual(tlsAlpn(ECH_CH, info), ["h2", "http/1.1"]);
  assert.equal(info.alpnCount, 2);
  assert.equal(info.hasEch, true);
  assert.equal(info.cipherCount, 16);
  assert.equal(info.sessionIdLen, 32);
  assert.equal(info.compressionCount, 1);
  assert.equal(info.extCount, 19);
  // tshark -e tls.handshake.ciphersuite / tls.handshake.extension.type
  assert.deepEqual(tlsCipherSuites(ECH_CH, info), [
    0x2a2a,
    0x1301,
    0x1302,
    0x1303,
    0xc02b,
    0xc02f,
    0xc02c,
    0xc030,
    0xcca9,
    0xcca8,
    0xc013,
    0xc014,
    0x009c,
    0x009d,
    0x002f,
    0x0035,
  ]);
  assert.deepEqual(tlsExtensionTypes(ECH_CH, info), [
    56026,
    65281,
    16,
    13,
    51,
    45,
    17513,
    35,
    43,
    10,
    65037,
    23,
    5,
    18,
    11,
    0,
    27,
    39578,
    21,
  ]);
  const j = JSON.parse(json);
  assert.equal(j.sni, "cloudflare-ech.com");
  assert.equal(j.version, 0x0304);
  assert.equal(j.version_name, "TLS 1.3");
  assert.equal(j.record_version_name, "TLS 1.0");
  assert.equal(j.status, "client_hello");
  assert.equal(j.has_ech, true);
});

Deno.test("tls: real TLS 1.2 ClientHello (chrome-34-google.pcap frame 4)", () => {
  const { st, info } = decodeBoth(CHROME34_CH);
  assert.equal(st, TLS_CLIENT_HELLO);
  assert.equal(tlsSni(CHROME34_CH, info), "google.de");
  assert.deepEqual(tlsAlpn(CHROME34_CH, info), ["spdy/3", "spdy/3.1", "http/1.1"]);
  assert.equal(info.supportedVersionsMax, 0);
  assert.equal(info.handshakeVersion, 0x0303);
  assert.equal(info.hasEch, false);
  assert.equal(info.cipherCount, 20);
  assert.equal(info.sessionIdLen, 0);
  assert.deepEqual(tlsExtensionTypes(CHROME34_CH, info), [
    0,
    65281,
    10,
    11,
    35,
    13172,
    16,
    30032,
    5,
    13,
    18,
  ]);
  assert.equal(tlsToJson(CHROME34_CH, info).version_name, "TLS 1.2");
});

// ---------------------------------------------------------------------------
// differential against tshark
// ---------------------------------------------------------------------------

const TS_FIELDS = [
  "tls.record.version",
  "tls.handshake.version",
  "tls.handshake.session_id_length",
  "tls.handshake.cipher_suites_length",
  "tls.handshake.ciphersuite",
  "tls.handshake.comp_methods_length",
  "tls.handshake.extensions_length",
  "tls.handshake.extension.type",
  "tls.handshake.extensions_server_name",
  "tls.handshake.extensions_alpn_str",
  "tls.handshake.extensions.supported_version",
];

const hex4 = (v: number) => "0x" + v.toString(16).padStart(4, "0");

/** Our decode in tshark's field layout (supported_version: the max, see below). */
function ourFields(buf: Uint8Array, info: TlsInfo): string[] {
  return [
    hex4(info.recordVersion),
    hex4(info.handshakeVersion),
    String(info.sessionIdLen),
    String(info.cipherCount * 2),
    tlsCipherSuites(buf, info).map(hex4).join("|"),
    String(info.compressionCount),
    info.extOff < 0 ? "" : String(info.extLen),
    tlsExtensionTypes(buf, info).join("|"),
    tlsSni(buf, info),
    tlsAlpn(buf, info).join("|"),
    info.supportedVersionsMax === 0 ? "" : hex4(info.supportedVersionsMax),
  ];
}

/** tshark lists every supported_version; reduce it to the highest non-GREASE one. */
function tsharkMaxVersion(list: string): string {
  let max = 0;
  for (const v of list.split("|")) {
    if (v === "") continue;
    const n = parseInt(v, 16);
    if (!isTlsGrease(n) && n > max) max = n;
  }
  return max === 0 ? "" : hex4(max);
}

const CH_FILTER = "tcp.len >= 6 && tcp.payload[0] == 0x16 && tcp.payload[5] == 0x01";

/** Every TCP payload in the fixtures that starts like a ClientHello record. */
async function clientHelloPayloads(): Promise<
  { file: string; frame: number; payload: Uint8Array }[]
> {
  const out: { file: string; frame: number; payload: Uint8Array }[] = [];
  const files = [...Deno.readDirSync(fixture("."))].map((e) => e.name)
    .filter((n) => /\.pcap(ng)?$/.test(n) && !n.startsWith("pcap-invalid")).sort();
  // A few tshark processes at a time, results kept in file order.
  const perFile: TsharkRow[][] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      // A non-zero exit is accepted (a capture file cut short).
      perFile[i] = (await tsharkFields(fixture(files[i]), ["frame.number", "tcp.payload"], {
        filter: CH_FILTER,
      })).rows;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker(), worker(), worker()]);
  files.forEach((file, i) => {
    for (const row of perFile[i]) {
      const [n, h] = row.map((occ) => occ.join(","));
      out.push({ file, frame: Number(n), payload: fromHex(h) });
    }
  });
  return out;
}

/** A classic pcap of Ethernet/IPv4/TCP frames to port 443, one payload each. */
function tcpPcap(payloads: Uint8Array[]): Uint8Array {
  const out: number[] = [];
  const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  out.push(...le32(0xa1b2c3d4), 2, 0, 4, 0, ...le32(0), ...le32(0), ...le32(262144), ...le32(1));
  payloads.forEach((p, i) => {
    const tcp = [...be16(40000 + i), ...be16(443), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18]
      .concat([0xff, 0xff, 0, 0, 0, 0]);
    const ipLen = 20 + tcp.length + p.length;
    const frame = [
      ...[0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 8, 0],
      ...[0x45, 0, ...be16(ipLen), 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2],
      ...tcp,
      ...p,
    ];
    out.push(...le32(i + 1), ...le32(0), ...le32(frame.length), ...le32(frame.length), ...frame);
  });
  return new Uint8Array(out);
}

Deno.test({
  name: "tls: every ClientHello segment in the fixtures decodes like tshark",
  fn: async () => {
    const found = await clientHelloPayloads();
    // chrome-34 1, example 2, heuristic_tcp_ack_payload 6, tls 3, tls13-ech 2,
    // pcapng-example 1, tls_with_huge_ch 1
    assert.ok(found.length >= 16, `only ${found.length} ClientHello segments found`);
    // Re-wrap each payload as a lone segment so tshark dissects it at packet
    // level too (no reassembly, no sequence analysis hiding out-of-order ones).
    const path = await Deno.makeTempFile({ suffix: ".pcap" });
    let rows: string[][];
    try {
      await Deno.writeFile(path, tcpPcap(found.map((f) => f.payload)));
      const ts = await tsharkFields(path, ["frame.number", ...TS_FIELDS], {
        prefs: { "tcp.desegment_tcp_streams": "FALSE", "tls.desegment_ssl_records": "FALSE" },
        check: true,
      });
      // tshark's text per field: its occurrences joined by "|".
      rows = ts.rows.map((row) => row.map((occ) => occ.join("|")));
    } finally {
      await Deno.remove(path);
    }
    assert.equal(rows.length, found.length);
    const info = new TlsInfo();
    let complete = 0;
    found.forEach(({ file, frame, payload }, i) => {
      const where = `${file} frame ${frame}`;
      const st = decodeTlsClientHello(payload, 0, payload.length, info);
      if (info.truncated) {
        // Continues in later segments: tshark (desegmentation off) shows no
        // handshake fields at all; we keep what the segment holds.
        assert.equal(st, TLS_CLIENT_HELLO, where);
        assert.equal(rows[i][2], "", where);
        return;
      }
      assert.equal(st, TLS_CLIENT_HELLO, where);
      const want = rows[i].slice(1);
      want[10] = tsharkMaxVersion(want[10]);
      assert.deepEqual(ourFields(payload, info), want, where);
      assert.equal(info.hasEch, want[7].split("|").includes("65037"), where);
      complete++;
    });
    assert.ok(complete >= 15);
  },
});

Deno.test({
  name:
    "tls: ClientHello over 12 segments (tls_with_huge_ch.pcapng): first segment vs tshark's reassembly",
  fn: async () => {
    const file = fixture("tls_with_huge_ch.pcapng");
    const [first] = (await tsharkFields(file, ["tcp.payload"], {
      filter: "frame.number == 8",
      check: true,
    })).rows;
    const p = fromHex(first?.[0]?.join(",") ?? "");
    assert.equal(p.length, 1024);
    const info = new TlsInfo();
    assert.equal(decodeTlsClientHello(p, 0, p.length, info), TLS_CLIENT_HELLO);
    assert.equal(info.truncated, true);
    assert.equal(info.handshakeLen, 11414);
    // tshark reassembles the 11,423-byte record and reports it at frame 27.
    const [row] = (await tsharkFields(file, TS_FIELDS, {
      filter: "frame.number == 27",
      check: true,
    })).rows;
    const ts = (row ?? []).map((occ) => occ.join("|"));
    assert.equal(ts[8], ""); // no SNI in either
    assert.equal(tlsSni(p, info), "");
    assert.deepEqual(tlsCipherSuites(p, info).map(hex4).join("|"), ts[4]);
    // Everything but the last extension (padding, 21, ~10 KB) is in the first
    // segment, so packet-level decoding still finds ALPN and supported_versions.
    const all = ts[7].split("|");
    assert.equal(all[all.length - 1], "21");
    assert.deepEqual(tlsExtensionTypes(p, info).map(String), all.slice(0, -1));
    assert.equal(ts[9], "h2|http/1.1");
    assert.deepEqual(tlsAlpn(p, info), ["h2", "http/1.1"]);
    assert.equal(info.supportedVersionsMax, 0x0304);
  },
});

// ---------------------------------------------------------------------------
// hand-built
// ---------------------------------------------------------------------------

Deno.test("tls: hand-built ClientHello fields", () => {
  const m = clientHello([
    ext(0x0a0a, []),
    sniExt("Example.COM"),
    alpnExt("h2", "http/1.1", "h3"),
    svExt(0x3a3a, 0x0303, 0x0304, 0x0302),
    ext(0xfe0d, [1, 2, 3]),
    ext(21, new Array(10).fill(0)),
  ], { sid: 0 });
  const { st, info } = decodeBoth(m);
  assert.equal(st, TLS_CLIENT_HELLO);
  assert.equal(tlsSni(m, info), "Example.COM");
  assert.deepEqual(tlsAlpn(m, info), ["h2", "http/1.1", "h3"]);
  assert.equal(info.alpnCount, 3);
  assert.equal(info.supportedVersionsMax, 0x0304);
  assert.equal(info.hasEch, true);
  assert.equal(info.extCount, 6);
  assert.equal(info.sessionIdLen, 0);
  assert.deepEqual(tlsCipherSuites(m, info), [0x1301, 0xc02f]);

  // No extensions at all (SSL 3.0 / TLS 1.0 style).
  const bare = clientHello(null, { version: 0x0300, recVersion: 0x0300 });
  const b = decodeBoth(bare);
  assert.equal(b.st, TLS_CLIENT_HELLO);
  assert.equal(b.info.extOff, -1);
  assert.equal(b.info.extCount, 0);
  assert.equal(tlsToJson(bare, b.info).version_name, "SSL 3.0");
  assert.equal(tlsToJson(bare, b.info).sni, null);
});

Deno.test("tls: SNI must be a plausible host name", () => {
  const good = ["a", "x-y.example", "_srv.example.org", "a".repeat(63) + ".b", "1.2.3.4"];
  const bad = [
    "",
    "bad host",
    "trailing.",
    ".leading",
    "a..b",
    "a".repeat(64) + ".b",
    ("a".repeat(62) + ".").repeat(4) + "abc", // 255 bytes
    "caf\u00e9.example",
    "nul\u0000.example",
  ];
  for (const n of good) {
    const m = clientHello([sniExt(n)]);
    const { st, info } = decodeBoth(m);
    assert.equal(st, TLS_CLIENT_HELLO, n);
    assert.equal(tlsSni(m, info), n);
    assert.equal(info.sniInvalid, false);
  }
  for (const n of bad) {
    const m = clientHello([sniExt(n)]);
    const { st, info } = decodeBoth(m);
    assert.equal(st, TLS_CLIENT_HELLO, JSON.stringify(n));
    assert.equal(info.sniOff, -1, JSON.stringify(n));
    assert.equal(info.sniInvalid, true, JSON.stringify(n));
    assert.equal(tlsSni(m, info), "");
  }
  // Only the first host_name is reported.
  const two = clientHello([sniExt("first.example", "second.example")]);
  assert.equal(tlsSni(two, decodeBoth(two).info), "first.example");
});

Deno.test("tls: not a ClientHello → TLS_NONE", () => {
  const ch = clientHello([sniExt("a.b")]);
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["application data", new Uint8Array([23, 3, 3, 0, 5, 1, 2, 3, 4, 5])],
    ["server hello", ch.map((v, i) => (i === 5 ? 2 : v))],
    ["SSL 2 version", ch.map((v, i) => (i === 1 ? 2 : v))],
    ["header only", ch.slice(0, 5)],
  ];
  for (const [what, m] of cases) {
    const info = new TlsInfo();
    assert.equal(decodeTlsClientHello(m, 0, m.length, info), TLS_NONE, what);
    assert.equal(info.recordOff, -1, what);
  }
  const info = new TlsInfo();
  decodeTlsClientHello(cases[2][1], 0, cases[2][1].length, info);
  assert.equal(info.handshakeType, 2);
  assert.equal(info.contentType, 22);
});

Deno.test("tls: contradictory lengths → TLS_MALFORMED", () => {
  const base = clientHello([sniExt("a.example"), alpnExt("h2")]);
  const set = (m: Uint8Array, i: number, v: number) => {
    const c = m.slice();
    c[i] = v;
    return c;
  };
  // offsets in `base`: record 0..4, hs header 5..8, version 9..10, random 11..42,
  // sid len 43, sid 44..75, suites len 76..77, suites 78..81, comp len 82, comp 83,
  // ext len 84..85, first extension 86..
  const cases: [string, Uint8Array][] = [
    ["record length 2", set(set(base, 3, 0), 4, 2)],
    ["record length over 2^14", set(set(base, 3, 0x40), 4, 1)],
    ["handshake length 20", set(set(set(base, 6, 0), 7, 0), 8, 20)],
    ["session id 33", set(base, 43, 33)],
    ["odd cipher suite length", set(base, 77, 3)],
    ["empty cipher suites", set(base, 77, 0)],
    ["cipher suites past message", set(base, 76, 0x40)],
    ["no compression methods", set(base, 82, 0)],
    ["extensions length short", set(base, 85, base[85] - 1)],
    ["extensions length long", set(base, 85, base[85] + 1)],
    ["SNI list length wrong", set(base, 91, base[91] + 1)],
    ["SNI name past extension", set(base, 94, 0x20)],
    ["duplicate SNI", clientHello([sniExt("a.b"), sniExt("c.d")])],
    ["ALPN list length wrong", clientHello([ext(16, [0, 4, 2, 0x68, 0x32])])],
    ["ALPN zero-length protocol", clientHello([ext(16, [0, 2, 0, 0])])],
    ["supported_versions odd", clientHello([ext(43, [3, 3, 4, 3])])],
    ["extension past block", clientHello([ext(21, [0, 0]).slice(0, 3).concat([9, 0, 0])])],
  ];
  for (const [what, m] of cases) {
    const { st } = decodeBoth(m);
    assert.equal(st, TLS_MALFORMED, what);
  }
  // Fields before the problem are kept.
  const late = clientHello([sniExt("kept.example"), alpnExt("h2"), ext(16, [0, 3, 2, 0x68, 0x32])]);
  const r = decodeBoth(late);
  assert.equal(r.st, TLS_MALFORMED);
  assert.equal(tlsSni(late, r.info), "kept.example");
  assert.equal(r.info.extCount, 2);
});

Deno.test("tls: ClientHello continued in a second record is truncated, not malformed", () => {
  const full = clientHello([
    sniExt("split.example"),
    alpnExt("h2"),
    ext(21, new Array(200).fill(0)),
  ]);
  // Cut the handshake after 100 bytes of body into a first record of its own.
  const m = full.slice(0, 5 + 100);
  m[3] = 0;
  m[4] = 100;
  const { st, info } = decodeBoth(m);
  assert.equal(st, TLS_CLIENT_HELLO);
  assert.equal(info.truncated, true);
  assert.equal(info.recordLen, 100);
  assert.ok(info.handshakeLen > 100);
  assert.equal(info.cipherCount, 2);
});

Deno.test("tls: every truncation of a real ClientHello is recognised and a prefix of the full decode", () => {
  for (const ch of [ECH_CH, CHROME34_CH]) {
    const full = decodeBoth(ch).info;
    for (let cut = 0; cut < ch.length; cut++) {
      const { st, info } = decodeBoth(ch.slice(0, cut));
      if (cut < 6) {
        assert.equal(st, TLS_NONE, `cut ${cut}`);
        continue;
      }
      assert.equal(st, TLS_CLIENT_HELLO, `cut ${cut}`);
      assert.equal(info.truncated, true, `cut ${cut}`);
      assert.ok(info.extCount <= full.extCount);
      if (info.sniOff >= 0) assert.equal(info.sniOff, full.sniOff);
      if (info.alpnOff >= 0) assert.equal(info.alpnOff, full.alpnOff);
      if (info.cipherOff >= 0) assert.equal(info.cipherCount, full.cipherCount);
      if (info.supportedVersionsMax) {
        assert.equal(info.supportedVersionsMax, full.supportedVersionsMax);
      }
      if (info.hasEch) assert.equal(full.hasEch, true);
    }
  }
  // The SNI of the ECH ClientHello is the 16th extension: it is reported as soon as it is captured.
  const info = new TlsInfo();
  const sniEnd = decodeBoth(ECH_CH).info.sniOff + 18;
  decodeTlsClientHello(ECH_CH, 0, sniEnd, info);
  assert.equal(tlsSni(ECH_CH, info), "cloudflare-ech.com");
  decodeTlsClientHello(ECH_CH, 0, sniEnd - 1, info);
  assert.equal(tlsSni(ECH_CH, info), "");
});

Deno.test("tls: 1,000 random byte flips never throw and stay inside the segment", () => {
  const rnd = prng(0x7e5);
  const sources = [ECH_CH, CHROME34_CH];
  const counts = [0, 0, 0];
  for (let it = 0; it < 1000; it++) {
    const src = sources[it % 2];
    const m = src.slice();
    const flips = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < flips; k++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
    const { st, info } = decodeBoth(m);
    counts[st]++;
    if (info.sniOff >= 0) assert.ok(info.sniOff + info.sniLen <= m.length);
    if (info.alpnOff >= 0) assert.ok(info.alpnOff + info.alpnLen <= m.length);
    tlsSni(m, info);
    tlsAlpn(m, info);
  }
  // Flips hit all three outcomes.
  assert.ok(counts[TLS_NONE] > 0 && counts[TLS_CLIENT_HELLO] > 0 && counts[TLS_MALFORMED] > 0);
});

Deno.test("tls: version names and GREASE", () => {
  assert.equal(tlsVersionName(0x0300), "SSL 3.0");
  assert.equal(tlsVersionName(0x0301), "TLS 1.0");
  assert.equal(tlsVersionName(0x0302), "TLS 1.1");
  assert.equal(tlsVersionName(0x0303), "TLS 1.2");
  assert.equal(tlsVersionName(0x0304), "TLS 1.3");
  assert.equal(tlsVersionName(0x7f17), "TLS 1.3 draft 23");
  assert.equal(tlsVersionName(0xfefd), "DTLS 1.2");
  assert.equal(tlsVersionName(0x1a1a), "GREASE");
  assert.equal(tlsVersionName(0x1234), "0x1234");
  for (let i = 0; i < 16; i++) assert.ok(isTlsGrease(i * 0x1010 + 0x0a0a));
  assert.ok(!isTlsGrease(0x0a1a));
  assert.ok(!isTlsGrease(0x0303));
});

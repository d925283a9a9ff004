/**
 * Application-layer decoders on real messages from the fixture captures:
 * `decodeDns` and `decodeTlsClientHello` (per-packet, zero allocation) and,
 * for scale, the lazy DNS text/JSON helpers. The "dns traffic" group decodes
 * the first 1000 DNS messages of the benchmark traffic (`gen_capture.ts`:
 * queries, answers with A/AAAA, CNAME chains, NXDOMAIN with SOA, EDNS) in
 * turn, as the decoder meets them: µs per iteration = ns per message.
 *
 * Run: deno bench --allow-read bench/app_decode_bench.ts
 *
 * @module
 */

import { decodeDns, DnsInfo, dnsToJson, formatDnsSummary } from "../src/protocol/dns.ts";
import { decodeTlsClientHello, TlsInfo } from "../src/protocol/tls.ts";
import { CaptureFileReader } from "../src/capture/capture_file_reader.ts";
import { Frame } from "../src/capture/frame.ts";
import { NEXT_FRAME } from "../src/capture/read_status.ts";
import { decodeFrame } from "../src/protocol/decode.ts";
import { L_DNS, PacketRecord } from "../src/protocol/packet.ts";
import { generateCapture } from "./gen_capture.ts";

const FIXTURES = new URL("../tests/fixtures/", import.meta.url);

/**
 * Application payload of frame `n` (1-based) of a classic little-endian pcap
 * holding Ethernet/IPv4 frames with UDP or TCP.
 */
function payloadOf(file: string, n: number): Uint8Array {
  const f = Deno.readFileSync(new URL(file, FIXTURES));
  const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
  if (v.getUint32(0, true) !== 0xa1b2c3d4) throw new Error(`Cannot read ${file}: not a LE pcap`);
  let p = 24;
  for (let i = 1; i < n; i++) p += 16 + v.getUint32(p + 8, true);
  const cap = v.getUint32(p + 8, true);
  const frame = f.subarray(p + 16, p + 16 + cap);
  if (frame[12] !== 0x08 || frame[13] !== 0x00) throw new Error(`Cannot read ${file}: not IPv4`);
  const ip = 14;
  const l4 = ip + (frame[ip] & 15) * 4;
  const proto = frame[ip + 9];
  const ipEnd = ip + ((frame[ip + 2] << 8) | frame[ip + 3]);
  const start = proto === 17 ? l4 + 8 : l4 + (frame[l4 + 12] >> 4) * 4;
  return frame.slice(start, ipEnd);
}

// DnsPackets.pcap frame 9: response with a CNAME and 16 A records (342 bytes).
const dnsBig = payloadOf("DnsPackets.pcap", 9);
// DnsPackets.pcap frame 1: A query for www.google.com (32 bytes).
const dnsQuery = payloadOf("DnsPackets.pcap", 1);
// DnsPackets.pcap frame 421: mDNS announcement with PTR, A, 2 NSEC, OPT.
const mdns = payloadOf("DnsPackets.pcap", 421);
// tls13-ech.pcap frame 7: Chrome TLS 1.3 ClientHello with GREASE + ECH (517 bytes).
const chEch = payloadOf("tls13-ech.pcap", 7);
// chrome-34-google.pcap frame 4: TLS 1.2 ClientHello, SNI google.de (209 bytes).
const ch12 = payloadOf("chrome-34-google.pcap", 4);

const dns = new DnsInfo();
const tls = new TlsInfo();
let sink = 0;

Deno.bench("decodeDns: response, CNAME + 16 A (342 B)", { group: "dns", baseline: true }, () => {
  sink += decodeDns(dnsBig, 0, dnsBig.length, dns) + dns.rrCount;
});
Deno.bench("decodeDns: query (32 B)", { group: "dns" }, () => {
  sink += decodeDns(dnsQuery, 0, dnsQuery.length, dns) + dns.qParsed;
});
Deno.bench("decodeDns: mDNS announcement, 5 RRs (139 B)", { group: "dns" }, () => {
  sink += decodeDns(mdns, 0, mdns.length, dns, mdns.length, true) + dns.rrCount;
});

// 1000 DNS messages of the benchmark traffic, back to back in one buffer.
const TRAFFIC_MESSAGES = 1000;
const trafficDns = (() => {
  const bytes = generateCapture({ packets: 3000, flows: 600, seed: 1, concurrency: 60 }).bytes;
  const r = CaptureFileReader.fromBytes(bytes);
  const f = new Frame();
  const rec = new PacketRecord();
  const parts: Uint8Array[] = [];
  while (parts.length < TRAFFIC_MESSAGES && r.next(f) === NEXT_FRAME) {
    decodeFrame(f, rec);
    if (rec.app === L_DNS) {
      parts.push(rec.buf.slice(rec.payloadOff, rec.payloadOff + rec.payloadLen));
    }
  }
  if (parts.length < TRAFFIC_MESSAGES) throw new Error(`only ${parts.length} DNS messages`);
  const buf = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const at = new Int32Array(parts.length + 1);
  parts.forEach((p, i) => {
    buf.set(p, at[i]!);
    at[i + 1] = at[i]! + p.length;
  });
  return { buf, at };
})();

Deno.bench(
  "decodeDns: 1000 messages of the benchmark traffic (x1000)",
  { group: "dns traffic" },
  () => {
    const { buf, at } = trafficDns;
    for (let i = 0; i < TRAFFIC_MESSAGES; i++) {
      const len = at[i + 1]! - at[i]!;
      sink += decodeDns(buf, at[i]!, len, dns, len, false) + dns.rrCount;
    }
  },
);

Deno.bench("decodeTlsClientHello: TLS 1.3 + ECH (517 B)", { group: "tls", baseline: true }, () => {
  sink += decodeTlsClientHello(chEch, 0, chEch.length, tls) + tls.sniLen;
});
Deno.bench("decodeTlsClientHello: TLS 1.2 (209 B)", { group: "tls" }, () => {
  sink += decodeTlsClientHello(ch12, 0, ch12.length, tls) + tls.sniLen;
});

Deno.bench("formatDnsSummary (lazy): 17 RRs", { group: "dns-lazy", baseline: true }, () => {
  decodeDns(dnsBig, 0, dnsBig.length, dns);
  sink += formatDnsSummary(dnsBig, dns).length;
});
Deno.bench("dnsToJson (lazy): 17 RRs", { group: "dns-lazy" }, () => {
  decodeDns(dnsBig, 0, dnsBig.length, dns);
  sink += Object.keys(dnsToJson(dnsBig, dns)).length;
});

addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});

/**
 * `decodeFrame()` per packet on typical frames. Each bench iteration decodes
 * the same frame {@link BATCH} (1000) times into one reused record, so the
 * per-iteration overhead of `Deno.bench` does not dominate: the reported
 * time per iteration in µs equals the time per packet in ns.
 *
 * The "traffic" group runs the offline pipeline's per-packet work (record
 * walk, `decodeFrame`, `PacketCounters.observe`) over 1000 packets of the
 * benchmark traffic (`gen_capture.ts`: 40% DNS, HTTP and TLS over TCP, 12%
 * IPv6, 10% 802.1Q) held in memory, so mispredicted branches between packet
 * kinds count as they do on a real capture; again µs per iteration = ns per
 * packet. The 1000 packets (150 KB) stay in cache: a run over a file adds
 * the cost of bringing each byte in from memory.
 *
 * Run: deno bench --allow-read bench/decode_bench.ts
 *
 * @module
 */

import type { Frame } from "../src/capture/frame.ts";
import {
  cat,
  ethernet,
  fixtureFrame,
  frameOf,
  ipv4,
  ipv6,
  tcp,
  u32,
  udp,
  vlanTag,
} from "../src/protocol/_test_frames.ts";
import { decodeFrame } from "../src/protocol/decode.ts";
import { PacketRecord } from "../src/protocol/packet.ts";
import { PacketCounters } from "../src/analysis/packet_counters.ts";
import { CaptureFileReader } from "../src/capture/capture_file_reader.ts";
import { Frame as CaptureFrame } from "../src/capture/frame.ts";
import { NEXT_FRAME } from "../src/capture/read_status.ts";
import { generateCapture } from "./gen_capture.ts";

/** Decodes per bench iteration: µs per iteration = ns per packet. */
const BATCH = 1000;

const ACK = 0x10;

// 54 bytes: Ethernet (14) + IPv4 (20) + TCP SYN without options (20), as nmap sends.
const syn54 = frameOf(
  cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: 20, flags: 2 }), tcp({ flags: 0x02 })),
);

// 74 bytes: a Linux SYN with MSS, SACK-permitted, timestamps, NOP, window scale (20 option bytes).
const synOpts = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, ...u32(602505000), ...u32(0), 1, 3, 3, 7];
const syn74 = frameOf(
  cat(
    ethernet(0x0800),
    ipv4({ proto: 6, payloadLen: 40, flags: 2 }),
    tcp({ flags: 0x02, options: synOpts }),
  ),
);

// 1454 bytes: Ethernet + IPv4 + TCP (no options) + 1400 bytes of HTTP body.
const data1454 = frameOf(
  cat(
    ethernet(0x0800),
    ipv4({ proto: 6, payloadLen: 1420, flags: 2 }),
    tcp({ sport: 80, dport: 49486, flags: ACK | 0x08 }),
    new Uint8Array(1400).fill(0x41),
  ),
);

// IPv6/UDP/53 DNS response: the DNS message of DnsPackets.pcap frame 2
// (www.google.com, 5 A answers, 112 bytes) re-framed over IPv6: 174 bytes.
const v4Dns = await fixtureFrame("DnsPackets.pcap", 2);
const dnsMsg = v4Dns.buf.slice(v4Dns.offset + 42, v4Dns.offset + v4Dns.capLen);
const dnsV6 = frameOf(
  cat(
    ethernet(0x86dd),
    ipv6({ next: 17, payloadLen: 8 + dnsMsg.length }),
    udp(53, 40000, dnsMsg.length),
    dnsMsg,
  ),
);

// DnsPackets.pcap frame 430: IPv6/UDP mDNS response, 4 answers, 332 bytes.
const mdnsV6 = await fixtureFrame("DnsPackets.pcap", 430);

// QinQ: 802.1ad S-tag 200 over 802.1Q C-tag 2001, IPv4/TCP ACK, 62 bytes.
const qinq = frameOf(
  cat(
    ethernet(0x88a8),
    vlanTag(0, 200, 0x8100),
    vlanTag(0, 2001, 0x0800),
    ipv4({ proto: 6, payloadLen: 20 }),
    tcp({ flags: ACK }),
  ),
);

// tls.pcap frame 29: TLS 1.3 ClientHello, SNI www.gstatic.com, 571 bytes.
const clientHello = await fixtureFrame("tls.pcap", 29);

const rec = new PacketRecord();
let sink = 0;

function run(frame: Frame): void {
  for (let i = 0; i < BATCH; i++) {
    decodeFrame(frame, rec);
    // Kept a small integer: a growing sum would become a heap number, whose
    // allocation on every store would be measured too.
    sink = (sink + rec.topLayer) & 0xffff;
  }
}

Deno.bench("TCP SYN, 54 B, Ethernet/IPv4/TCP, no options (x1000)", {
  group: "decodeFrame",
  baseline: true,
}, () => run(syn54));
Deno.bench(
  "TCP SYN, 74 B, MSS/SACK-perm/TS/WS options (x1000)",
  { group: "decodeFrame" },
  () => run(syn74),
);
Deno.bench("TCP data, 1454 B, Ethernet/IPv4/TCP + 1400 B payload (x1000)", {
  group: "decodeFrame",
}, () => run(data1454));
Deno.bench(
  "QinQ 802.1ad + 802.1Q, IPv4/TCP ACK, 62 B (x1000)",
  { group: "decodeFrame" },
  () => run(qinq),
);
Deno.bench(
  "IPv6/UDP DNS response, 5 A answers, 174 B (x1000)",
  { group: "decodeFrame" },
  () => run(dnsV6),
);
Deno.bench(
  "IPv6/UDP mDNS response, 4 answers, 332 B (x1000)",
  { group: "decodeFrame" },
  () => run(mdnsV6),
);
Deno.bench(
  "TLS 1.3 ClientHello with SNI, 571 B (x1000)",
  { group: "decodeFrame" },
  () => run(clientHello),
);

// The benchmark traffic: 1000 packets of the 5M-packet file's mix (same
// generator, same flow/packet ratio), read from memory.
const traffic = generateCapture({ packets: BATCH, flows: BATCH / 5, seed: 1, concurrency: 20 })
  .bytes;
const trafficFrame = new CaptureFrame();
const trafficCounters = new PacketCounters();

function walkTraffic(decode: boolean, count: boolean): void {
  const r = CaptureFileReader.fromBytes(traffic);
  let n = 0;
  while (r.next(trafficFrame) === NEXT_FRAME) {
    n++;
    if (!decode) continue;
    decodeFrame(trafficFrame, rec);
    if (count) trafficCounters.observe(rec);
  }
  if (n !== BATCH) throw new Error(`walked ${n} frames`);
  sink = (sink + rec.topLayer) & 0xffff;
}

Deno.bench("benchmark traffic: record walk only (x1000)", { group: "traffic" }, () => {
  walkTraffic(false, false);
});
Deno.bench("benchmark traffic: walk + decodeFrame (x1000)", { group: "traffic" }, () => {
  walkTraffic(true, false);
});
Deno.bench(
  "benchmark traffic: walk + decodeFrame + PacketCounters.observe (x1000)",
  { group: "traffic", baseline: true },
  () => walkTraffic(true, true),
);

// What every packet pays before decoding starts: the record reset.
Deno.bench("PacketRecord.reset() alone (x1000)", { group: "parts" }, () => {
  for (let i = 0; i < BATCH; i++) rec.reset();
  sink = (sink + rec.status) & 0xffff;
});

globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink); // keep `sink` observable
});

import assert from "node:assert/strict";
import { generateCapture } from "../../bench/gen_capture.ts";
import { CaptureFileReader, NEXT_FRAME } from "../capture/capture_file_reader.ts";
import { Frame } from "../capture/frame.ts";
import { cat, ethernet, frameOf, ipv4, tcp } from "../protocol/_test_frames.ts";
import { decodeFrame } from "../protocol/decode.ts";
import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  L_ARP,
  L_DNS,
  L_ETHERNET,
  L_ICMP,
  L_ICMPV6,
  L_IPV4,
  L_IPV6,
  L_MPLS,
  L_NULL,
  L_OTHER_IP,
  L_OTHER_L2,
  L_SLL,
  L_TCP,
  L_TLS,
  L_UDP,
  L_VLAN,
  LAYER_COUNT,
  NET_IPV4,
  NET_IPV6,
  NET_OTHER,
  PacketRecord,
  REASON_TEXT,
  ST_MALFORMED,
  ST_OK,
  ST_TRUNCATED,
  ST_UNSUPPORTED,
} from "../protocol/packet.ts";
import { PacketCounters } from "./packet_counters.ts";

const FIXTURES = new URL("../../tests/fixtures/", import.meta.url);

/** The counting rules written out branch by branch: what PacketCounters must match. */
class ReferenceCounters {
  packets = 0;
  wireBytes = 0;
  capturedBytes = 0;
  firstSec = Infinity;
  firstNsec = 0;
  lastSec = -Infinity;
  lastNsec = 0;
  truncated = 0;
  malformed = 0;
  unsupported = 0;
  badIpv4Checksums = 0;
  fragments = 0;
  perLayer = new Float64Array(LAYER_COUNT);
  perReason = new Float64Array(REASON_TEXT.length);
  unsupportedLinkTypes = new Map<number, number>();

  observe(rec: PacketRecord): void {
    const f = rec.frame;
    this.packets++;
    this.wireBytes += f.wireLen;
    this.capturedBytes += f.capLen;
    const s = f.tsSec, ns = f.tsNsec;
    if (s < this.firstSec || (s === this.firstSec && ns < this.firstNsec)) {
      this.firstSec = s;
      this.firstNsec = ns;
    }
    if (s > this.lastSec || (s === this.lastSec && ns > this.lastNsec)) {
      this.lastSec = s;
      this.lastNsec = ns;
    }
    const pl = this.perLayer;
    if (rec.macDstOff >= 0) pl[L_ETHERNET]!++;
    else if (rec.sllPacketType >= 0) pl[L_SLL]!++;
    else if (rec.nullFamily >= 0) pl[L_NULL]!++;
    if (rec.vlanCount > 0) pl[L_VLAN]!++;
    if (rec.mplsCount > 0) pl[L_MPLS]!++;
    const net = rec.net;
    if (net === NET_IPV4 || net === NET_IPV6) {
      pl[net === NET_IPV4 ? L_IPV4 : L_IPV6]!++;
      const top = rec.topLayer;
      if (rec.ipProto === IPPROTO_TCP && rec.srcPort >= 0) pl[L_TCP]!++;
      else if (rec.ipProto === IPPROTO_UDP && rec.srcPort >= 0) pl[L_UDP]!++;
      else if (top === L_ICMP) pl[L_ICMP]!++;
      else if (top === L_ICMPV6) pl[L_ICMPV6]!++;
      else pl[L_OTHER_IP]!++;
      if (rec.app === L_DNS) pl[L_DNS]!++;
      else if (rec.app === L_TLS) pl[L_TLS]!++;
      if (rec.ipChecksumOk === 0) this.badIpv4Checksums++;
      if (rec.isFragment) this.fragments++;
    } else if (rec.topLayer === L_ARP) pl[L_ARP]!++;
    else if (net === NET_OTHER) pl[L_OTHER_L2]!++;
    const st = rec.status;
    if (st !== ST_OK) {
      if (st === ST_TRUNCATED) this.truncated++;
      else if (st === ST_MALFORMED) this.malformed++;
      else if (st === ST_UNSUPPORTED) {
        this.unsupported++;
        if (rec.reason === 1) {
          const lt = f.linkType;
          this.unsupportedLinkTypes.set(lt, (this.unsupportedLinkTypes.get(lt) ?? 0) + 1);
        }
      }
      this.perReason[rec.reason]!++;
    }
  }
}

function assertSameCounts(got: PacketCounters, want: ReferenceCounters, where: string): void {
  for (
    const k of [
      "packets",
      "wireBytes",
      "capturedBytes",
      "firstSec",
      "firstNsec",
      "lastSec",
      "lastNsec",
      "truncated",
      "malformed",
      "unsupported",
      "badIpv4Checksums",
      "fragments",
    ] as const
  ) {
    assert.equal(got[k], want[k], `${where}: ${k}`);
  }
  assert.deepEqual([...got.perLayer], [...want.perLayer], `${where}: perLayer`);
  assert.deepEqual([...got.perReason], [...want.perReason], `${where}: perReason`);
  assert.deepEqual(
    [...got.unsupportedLinkTypes],
    [...want.unsupportedLinkTypes],
    `${where}: unsupportedLinkTypes`,
  );
}

/**
 * Decodes every frame of `bytes` and feeds both counters; returns the frame
 * count. With `damage`, each frame is also fed cut short (as a snaplen
 * would) and with a few header bytes flipped, for the problem counters.
 */
function feed(
  bytes: Uint8Array,
  c: PacketCounters,
  ref: ReferenceCounters,
  damage = false,
): number {
  let r: CaptureFileReader;
  try {
    r = CaptureFileReader.fromBytes(bytes);
  } catch {
    return 0; // a fixture with a broken file header
  }
  const f = new Frame();
  const rec = new PacketRecord();
  let n = 0;
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  while (r.next(f) === NEXT_FRAME) {
    decodeFrame(f, rec);
    c.observe(rec);
    ref.observe(rec);
    n++;
    if (!damage) continue;
    const bytes = f.buf.slice(f.offset, f.offset + f.capLen);
    const flipped = bytes.slice();
    for (let i = 0; i < 3 && flipped.length > 0; i++) {
      flipped[Math.floor(rand() * Math.min(64, flipped.length))] = Math.floor(rand() * 256);
    }
    for (
      const d of [
        frameOf(bytes, { linkType: f.linkType, capLen: Math.floor(rand() * bytes.length) }),
        frameOf(flipped, { linkType: f.linkType, wireLen: f.wireLen }),
      ]
    ) {
      d.tsSec = f.tsSec;
      d.tsNsec = f.tsNsec;
      decodeFrame(d, rec);
      c.observe(rec);
      ref.observe(rec);
    }
  }
  return n;
}

Deno.test("PacketCounters counts every fixture as the branch-by-branch rules do", () => {
  const c = new PacketCounters();
  const ref = new ReferenceCounters();
  let frames = 0;
  const names = [...Deno.readDirSync(FIXTURES)].map((e) => e.name)
    .filter((n) => n.endsWith(".pcap") || n.endsWith(".pcapng")).sort();
  for (const name of names) {
    const one = new PacketCounters();
    const oneRef = new ReferenceCounters();
    const bytes = Deno.readFileSync(new URL(name, FIXTURES));
    frames += feed(bytes, one, oneRef, true);
    assertSameCounts(one, oneRef, name);
    feed(bytes, c, ref, true);
  }
  assert.ok(frames > 2000, `only ${frames} frames`);
  assertSameCounts(c, ref, "all fixtures");
  // The fixtures cover every layer and every kind of problem.
  for (
    const l of [
      L_ETHERNET,
      L_SLL,
      L_NULL,
      L_VLAN,
      L_MPLS,
      L_IPV4,
      L_IPV6,
      L_TCP,
      L_UDP,
      L_ICMP,
      L_ICMPV6,
      L_OTHER_IP,
      L_DNS,
      L_TLS,
      L_ARP,
      L_OTHER_L2,
    ]
  ) {
    assert.ok(c.perLayer[l]! > 0, `no packet counted at layer ${l}`);
  }
  assert.ok(
    c.truncated > 0 && c.malformed > 0,
    `${c.truncated} truncated, ${c.malformed} malformed`,
  );
  assert.ok(c.badIpv4Checksums > 0 && c.fragments > 0);
  // An unsupported link type (no fixture has one).
  const unsupported = c.unsupported;
  const rec = new PacketRecord();
  const f = frameOf(Uint8Array.of(1, 2, 3), { linkType: 147 });
  decodeFrame(f, rec);
  c.observe(rec);
  ref.observe(rec);
  c.observe(rec);
  ref.observe(rec);
  assertSameCounts(c, ref, "unsupported link type");
  assert.equal(c.unsupported, unsupported + 2);
  assert.equal(c.unsupportedLinkTypes.get(147), 2);
});

Deno.test("PacketCounters counts generated traffic as the branch-by-branch rules do", () => {
  const gen = generateCapture({ packets: 5000, flows: 1000, seed: 3, concurrency: 40 });
  const c = new PacketCounters();
  const ref = new ReferenceCounters();
  assert.equal(feed(gen.bytes, c, ref), 5000);
  assertSameCounts(c, ref, "generated");
  assert.equal(c.perLayer[L_DNS], gen.stats.dnsPackets);
  assert.equal(c.perLayer[L_VLAN], gen.stats.vlanPackets);
  assert.equal(c.perLayer[L_IPV6], gen.stats.ipv6Packets);
});

Deno.test("PacketCounters.perLayer is refreshed after more packets, same array", () => {
  const c = new PacketCounters();
  const rec = new PacketRecord();
  const f = frameOf(cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: 20 }), tcp({})));
  decodeFrame(f, rec);
  c.observe(rec);
  const first = c.perLayer;
  assert.equal(first[L_TCP], 1);
  c.observe(rec);
  assert.equal(c.perLayer, first);
  assert.equal(first[L_TCP], 2);
  assert.equal(first[L_ETHERNET], 2);
  assert.equal(first[L_UDP], 0);
});

Deno.test("PacketCounters keeps the earliest and latest timestamps in any order", () => {
  const c = new PacketCounters();
  const ref = new ReferenceCounters();
  const rec = new PacketRecord();
  const f = frameOf(cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: 20 }), tcp({})));
  decodeFrame(f, rec);
  for (const [s, ns] of [[10, 5], [10, 4], [12, 0], [9, 999], [12, 0], [12, 1], [9, 998]]) {
    f.tsSec = s!;
    f.tsNsec = ns!;
    c.observe(rec);
    ref.observe(rec);
  }
  assertSameCounts(c, ref, "steps");
  assert.deepEqual([c.firstSec, c.firstNsec, c.lastSec, c.lastNsec], [9, 998, 12, 1]);
});

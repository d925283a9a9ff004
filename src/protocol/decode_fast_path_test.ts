/**
 * The decoder's flat path (decodeFastEthernet) and its record reuse must
 * give exactly the record the layer-by-layer decode gives on a fresh
 * record: every scalar of the record, its DNS and TLS parts, and the used
 * part of every array. Checked on every frame of every fixture, on a
 * generated capture (the benchmark traffic: DNS, HTTP, TLS, IPv6, 802.1Q),
 * and on damaged variants of each frame (snaplen cuts, short wire lengths,
 * byte flips in the headers), decoded in a mixed order into one reused
 * record so that leftovers from any kind of packet would show.
 */

import assert from "node:assert/strict";
import { generateCapture } from "../../bench/gen_capture.ts";
import { CaptureFileReader, NEXT_FRAME } from "../capture/capture_file_reader.ts";
import { Frame } from "../capture/frame.ts";
import { cat, ethernet, frameOf, ipv4, ipv6, tcp, udp, vlanTag } from "./_test_frames.ts";
import { recordState } from "./_test_record_state.ts";
import { decodeFastEthernet, decodeFrame, decodeFrameLayered } from "./decode.ts";
import { L_DNS, L_TCP, L_UDP, NET_IPV4, NET_IPV6, PacketRecord, ST_OK } from "./packet.ts";
import { prng } from "../../tests/_prng.ts";

const FIXTURES = new URL("../../tests/fixtures/", import.meta.url);

/** Copies of every frame of a capture, each in a buffer of its own. */
function framesOf(bytes: Uint8Array): Frame[] {
  const out: Frame[] = [];
  let r: CaptureFileReader;
  try {
    r = CaptureFileReader.fromBytes(bytes);
  } catch {
    return out; // not a readable capture (a fixture of a broken file header)
  }
  const f = new Frame();
  while (r.next(f) === NEXT_FRAME) {
    const copy = frameOf(f.buf.slice(f.offset, f.offset + f.capLen), {
      linkType: f.linkType,
      wireLen: f.wireLen,
    });
    copy.number = f.number;
    copy.tsSec = f.tsSec;
    out.push(copy);
  }
  return out;
}

function fixtureFrames(): Frame[] {
  const out: Frame[] = [];
  for (const e of [...Deno.readDirSync(FIXTURES)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    if (!e.name.endsWith(".pcap") && !e.name.endsWith(".pcapng")) continue;
    out.push(...framesOf(Deno.readFileSync(new URL(e.name, FIXTURES))));
  }
  return out;
}

/** Everything a reader of the record can see, and which buffer it reads. */
function state(rec: PacketRecord): unknown[] {
  return [
    ...recordState(rec),
    rec.frame,
    rec.buf,
    rec.view.byteOffset,
    rec.view.byteLength,
    rec.view.buffer,
  ];
}

function assertSameState(got: PacketRecord, want: PacketRecord, where: string): void {
  const a = state(got), b = state(want);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i], y = b[i];
    if (
      Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, j) => v === y[j])
    ) {
      continue;
    }
    if (x !== y) assert.deepEqual(a, b, where);
  }
}

/** Damaged copies of `f`: a snaplen cut, a short wire length, header byte flips. */
function variants(f: Frame, rand: () => number): Frame[] {
  const bytes = f.buf.slice(f.offset, f.offset + f.capLen);
  const make = (b: Uint8Array, capLen: number, wireLen: number) => {
    const v = frameOf(b, { linkType: f.linkType, capLen, wireLen });
    v.number = f.number;
    return v;
  };
  const out = [make(bytes, bytes.length, f.wireLen)];
  out.push(make(bytes, Math.floor(rand() * (bytes.length + 1)), f.wireLen));
  out.push(make(bytes, bytes.length, Math.floor(rand() * (bytes.length + 1))));
  for (let k = 0; k < 3; k++) {
    const b = bytes.slice();
    // Flips in the first 80 bytes: link, VLAN, IP and transport headers.
    const span = Math.min(b.length, 80);
    for (let i = 0, n = 1 + Math.floor(rand() * 3); i < n && span > 0; i++) {
      b[Math.floor(rand() * span)] = Math.floor(rand() * 256);
    }
    out.push(make(b, b.length, f.wireLen));
  }
  return out;
}

/**
 * Decodes `frames` in order into one reused record with decodeFrame and
 * each into a fresh record with decodeFrameLayered; returns how many took
 * the flat path.
 */
function checkAll(frames: Frame[], label: string): number {
  const reused = new PacketRecord();
  let fast = 0;
  for (const f of frames) {
    const where = `${label} frame ${f.number} (capLen ${f.capLen}, wireLen ${f.wireLen})`;
    decodeFrame(f, reused);
    const fresh = new PacketRecord();
    decodeFrameLayered(f, fresh);
    assertSameState(reused, fresh, where);
    // The flat path alone, on a record prepared as decodeFrame prepares it.
    const probe = new PacketRecord();
    probe.frame = f;
    probe.buf = f.buf;
    probe.resetPayload();
    if (decodeFastEthernet(f, probe)) {
      fast++;
      assertSameState(probe, fresh, `${where}, flat path alone`);
    }
  }
  return fast;
}

Deno.test("the flat path equals the layered decode on every fixture frame", () => {
  const frames = fixtureFrames();
  assert.ok(frames.length > 2000, `only ${frames.length} fixture frames`);
  const fast = checkAll(frames, "fixtures");
  assert.ok(fast > 1000, `only ${fast} fixture frames took the flat path`);
});

Deno.test("the flat path equals the layered decode on damaged fixture frames", () => {
  const rand = prng(20240611);
  const frames: Frame[] = [];
  for (const f of fixtureFrames()) frames.push(...variants(f, rand));
  // Shuffled, so each kind of packet follows every other kind.
  for (let i = frames.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [frames[i], frames[j]] = [frames[j]!, frames[i]!];
  }
  const fast = checkAll(frames, "damaged fixtures");
  assert.ok(fast > 3000, `only ${fast} damaged frames took the flat path`);
});

Deno.test("the flat path equals the layered decode on generated traffic", () => {
  const gen = generateCapture({ packets: 6000, flows: 1200, seed: 7, concurrency: 40 });
  const frames = framesOf(gen.bytes);
  assert.equal(frames.length, 6000);
  const fast = checkAll(frames, "generated");
  // Everything generated is Ethernet (10% with one 802.1Q tag), IPv4 or
  // IPv6 without options, TCP or UDP: all of it takes the flat path.
  assert.equal(fast, 6000);
  const rand = prng(99);
  const damaged: Frame[] = [];
  for (const f of frames.slice(0, 1500)) damaged.push(...variants(f, rand));
  checkAll(damaged, "damaged generated");
});

Deno.test("the flat path decodes hand-built IPv4/IPv6, tagged and untagged, TCP and UDP", () => {
  const dns = [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1];
  const cases: [string, Uint8Array, number, number][] = [
    [
      "IPv4/TCP",
      cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: 20 }), tcp({})),
      NET_IPV4,
      L_TCP,
    ],
    [
      "802.1Q IPv4/UDP/DNS",
      cat(
        ethernet(0x8100),
        vlanTag(5, 42, 0x0800),
        ipv4({ proto: 17, payloadLen: 8 + dns.length }),
        udp(40000, 53, dns.length),
        dns,
      ),
      NET_IPV4,
      L_DNS,
    ],
    [
      "IPv6/UDP",
      cat(ethernet(0x86dd), ipv6({ next: 17, payloadLen: 8 }), udp(1, 2, 0)),
      NET_IPV6,
      L_UDP,
    ],
    [
      "802.1Q IPv6/TCP",
      cat(ethernet(0x8100), vlanTag(0, 7, 0x86dd), ipv6({ next: 6, payloadLen: 20 }), tcp({})),
      NET_IPV6,
      L_TCP,
    ],
  ];
  for (const [name, bytes, net, top] of cases) {
    const f = frameOf(bytes);
    const rec = new PacketRecord();
    rec.frame = f;
    rec.buf = f.buf;
    rec.resetPayload();
    assert.equal(decodeFastEthernet(f, rec), true, name);
    assert.equal(rec.net, net, name);
    assert.equal(rec.topLayer, top, name);
    assert.equal(rec.status, ST_OK, name);
    const fresh = new PacketRecord();
    decodeFrameLayered(f, fresh);
    assertSameState(rec, fresh, name);
  }
  // Not taken: IPv4 options, a fragment, ICMP, a 0 total length (TSO), two tags.
  const notTaken: [string, Uint8Array][] = [
    [
      "IPv4 options",
      cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: 20, options: [1, 1, 1, 0] }), tcp({})),
    ],
    ["IPv4 MF", cat(ethernet(0x0800), ipv4({ proto: 17, payloadLen: 8, flags: 1 }), udp(1, 2, 0))],
    ["ICMP", cat(ethernet(0x0800), ipv4({ proto: 1, payloadLen: 8 }), new Uint8Array(8))],
    ["TSO", cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: 20, totalLen: 0 }), tcp({}))],
    [
      "QinQ",
      cat(
        ethernet(0x8100),
        vlanTag(0, 1, 0x8100),
        vlanTag(0, 2, 0x0800),
        ipv4({ proto: 6, payloadLen: 20 }),
        tcp({}),
      ),
    ],
  ];
  for (const [name, bytes] of notTaken) {
    const f = frameOf(bytes);
    const rec = new PacketRecord();
    rec.frame = f;
    rec.buf = f.buf;
    rec.resetPayload();
    assert.equal(decodeFastEthernet(f, rec), false, name);
    const fresh = new PacketRecord();
    decodeFrameLayered(f, fresh);
    const viaDecodeFrame = new PacketRecord();
    decodeFrame(f, viaDecodeFrame);
    assertSameState(viaDecodeFrame, fresh, name);
  }
});

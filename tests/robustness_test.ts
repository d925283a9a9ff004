/**
 * Robustness of the capture file reader and the packet decoder on damaged
 * input built from every fixture:
 *
 * 1. Cut files: each capture cut at every offset in its first 200 bytes and
 *    at 200 offsets spread over the rest. Opening may fail with a
 *    CaptureFileError (the file header is cut), nothing else; `next()` and
 *    `decodeFrame()` never throw, and every frame whose record lies wholly
 *    before the cut is delivered, in order, with its bytes.
 * 2. Mutated frames: 2,000 frames per fixture with 1-8 random byte flips
 *    (and sometimes a random snaplen cut, or a wire length below the
 *    captured length), from a fixed-seed PRNG. Each is
 *    decoded twice, with the bytes around the frame set to 0x00 and then to
 *    0xFF: a decoder that reads outside the frame would see different bytes,
 *    so the two records must be identical. Every offset in the record must
 *    lie inside the frame, and the reused record must equal a fresh one
 *    (nothing left over from earlier packets).
 *
 * @module
 */

import assert from "node:assert/strict";
import { CaptureFileError } from "../src/capture/capture_file_error.ts";
import {
  CaptureFileReader,
  NEXT_ERROR,
  NEXT_FRAME,
  NEXT_NEED_DATA,
} from "../src/capture/capture_file_reader.ts";
import { Frame } from "../src/capture/frame.ts";
import { decodeFrame } from "../src/protocol/decode.ts";
import { DNS_MAX_QUESTIONS, DNS_MAX_RRS, type DnsInfo } from "../src/protocol/dns.ts";
import { PacketRecord } from "../src/protocol/packet.ts";
import { recordState, sameRecordState } from "../src/protocol/_test_record_state.ts";
import type { TlsInfo } from "../src/protocol/tls.ts";
import { prng as mulberry32 } from "./_prng.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);
const fixtureNames = [...Deno.readDirSync(FIXTURES)]
  .map((e) => e.name)
  .filter((n) => n.endsWith(".pcap") || n.endsWith(".pcapng"))
  .sort();

/** A frame as read from the full file: where it lies and its metadata. */
interface FrameInfo {
  number: number;
  /** Offset of the record / block in the file. */
  fileOffset: number;
  /** Offset just past the record / block in the file. */
  recordEnd: number;
  /** Offset of the frame bytes in the file. */
  offset: number;
  capLen: number;
  wireLen: number;
  linkType: number;
}

/**
 * Where the record holding `frame` ends: pcap records end with the frame
 * bytes; a pcapng block ends at its start + its total length (RFC-draft
 * pcapng §3.1), read in the section's byte order.
 */
function recordEnd(bytes: Uint8Array, frame: Frame, pcapng: boolean, le: boolean): number {
  if (!pcapng) return frame.offset + frame.capLen;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return frame.fileOffset + dv.getUint32(frame.fileOffset + 4, le);
}

/** Reads every frame of `bytes` (in memory) and returns their positions. */
function readAll(bytes: Uint8Array): FrameInfo[] {
  const reader = CaptureFileReader.fromBytes(bytes);
  const pcapng = reader.format === "pcapng";
  // pcapng fixtures are single-section; the SHB byte-order magic says the order.
  const le = pcapng && bytes[8] === 0x4d;
  const f = new Frame();
  const out: FrameInfo[] = [];
  for (;;) {
    const s = reader.next(f);
    if (s !== NEXT_FRAME) break;
    out.push({
      number: f.number,
      fileOffset: f.fileOffset,
      recordEnd: recordEnd(bytes, f, pcapng, le),
      offset: f.offset,
      capLen: f.capLen,
      wireLen: f.wireLen,
      linkType: f.linkType,
    });
  }
  return out;
}

/** The cut offsets for a file of `len` bytes: 0..199 and 200 spread over the rest. */
function cutOffsets(len: number): number[] {
  const cuts = new Set<number>();
  for (let i = 0; i < Math.min(200, len); i++) cuts.add(i);
  for (let i = 0; i < 200; i++) cuts.add(Math.floor((len * i) / 200));
  cuts.add(len);
  return [...cuts].sort((a, b) => a - b);
}

/** Offsets and lengths in the record must lie in [start, end]. */
function checkOffsets(rec: PacketRecord, start: number, end: number, where: string): void {
  const inFrame = (off: number, len: number, name: string) => {
    if (off < 0) return;
    assert.ok(
      off >= start && off + len <= end,
      `${where}: ${name} ${off}+${len} outside the frame [${start}, ${end}]`,
    );
  };
  inFrame(rec.linkOff, 0, "linkOff");
  inFrame(rec.macDstOff, 6, "macDstOff");
  inFrame(rec.macSrcOff, 6, "macSrcOff");
  inFrame(rec.netOff, 0, "netOff");
  const addrLen = rec.net === 6 ? 16 : 4;
  inFrame(rec.srcAddrOff, addrLen, "srcAddrOff");
  inFrame(rec.dstAddrOff, addrLen, "dstAddrOff");
  inFrame(rec.l4Off, rec.l4CapLen, "l4Off+l4CapLen");
  assert.ok(rec.l4CapLen >= 0, `${where}: l4CapLen ${rec.l4CapLen} < 0`);
  inFrame(rec.payloadOff, rec.payloadLen, "payloadOff+payloadLen");
  assert.ok(rec.payloadLen >= 0, `${where}: payloadLen ${rec.payloadLen} < 0`);
  if (rec.payloadOff >= 0 && rec.l4Off >= 0) {
    assert.ok(
      rec.payloadOff + rec.payloadLen <= rec.l4Off + rec.l4CapLen,
      `${where}: payload runs past the transport data`,
    );
  }
  inFrame(rec.arpSha, rec.arpHln, "arpSha");
  inFrame(rec.arpSpa, rec.arpPln, "arpSpa");
  inFrame(rec.arpTha, rec.arpHln, "arpTha");
  inFrame(rec.arpTpa, rec.arpPln, "arpTpa");
  inFrame(rec.icmpTargetOff, 16, "icmpTargetOff");
  checkDnsOffsets(rec.dns, inFrame);
  checkTlsOffsets(rec.tls, inFrame);
}

type InFrame = (off: number, len: number, name: string) => void;

function checkDnsOffsets(d: DnsInfo, inFrame: InFrame): void {
  if (d.msgOff < 0) return;
  inFrame(d.msgOff, d.msgLen, "dns.msgOff+msgLen");
  inFrame(d.endOff, 0, "dns.endOff");
  inFrame(d.ednsOff, 0, "dns.ednsOff");
  const nq = Math.min(d.qParsed, DNS_MAX_QUESTIONS);
  for (let i = 0; i < nq; i++) inFrame(d.qNameOff[i]!, 1, `dns.qNameOff[${i}]`);
  const nr = Math.min(d.rrCount, DNS_MAX_RRS);
  for (let i = 0; i < nr; i++) {
    inFrame(d.rrNameOff[i]!, 1, `dns.rrNameOff[${i}]`);
    inFrame(d.rrRdataOff[i]!, d.rrRdataLen[i]!, `dns.rrRdataOff[${i}]`);
  }
}

function checkTlsOffsets(t: TlsInfo, inFrame: InFrame): void {
  inFrame(t.recordOff, 0, "tls.recordOff");
  inFrame(t.randomOff, 32, "tls.randomOff");
  inFrame(t.cipherOff, 2 * t.cipherCount, "tls.cipherOff");
  inFrame(t.extOff, 0, "tls.extOff");
  inFrame(t.sniOff, t.sniLen, "tls.sniOff+sniLen");
  inFrame(t.alpnOff, t.alpnLen, "tls.alpnOff+alpnLen");
}

/** Reads `bytes` to the end; returns the frames delivered (number, fileOffset, capLen). */
function readCut(bytes: Uint8Array, where: string): [number, number, number][] {
  let reader: CaptureFileReader;
  try {
    reader = CaptureFileReader.fromBytes(bytes);
  } catch (e) {
    assert.ok(e instanceof CaptureFileError, `${where}: open threw ${e}`);
    return [];
  }
  const f = new Frame();
  const rec = new PacketRecord();
  const got: [number, number, number][] = [];
  for (;;) {
    const s = reader.next(f);
    if (s === NEXT_FRAME) {
      decodeFrame(f, rec);
      checkOffsets(rec, f.offset, f.offset + f.capLen, `${where} frame ${f.number}`);
      got.push([f.number, f.fileOffset, f.capLen]);
    } else if (s === NEXT_NEED_DATA) {
      assert.fail(`${where}: an in-memory reader asked for more data`);
    } else {
      if (s === NEXT_ERROR) assert.ok(reader.error instanceof CaptureFileError);
      break;
    }
  }
  return got;
}

for (const file of fixtureNames) {
  Deno.test(`CaptureFileReader and decodeFrame() survive ${file} cut at any offset`, () => {
    const bytes = Deno.readFileSync(new URL(file, FIXTURES));
    let full: FrameInfo[] = [];
    try {
      full = readAll(bytes);
    } catch (e) {
      assert.ok(e instanceof CaptureFileError, `${file}: open threw ${e}`);
    }
    for (const cut of cutOffsets(bytes.length)) {
      const where = `${file} cut at ${cut}`;
      const got = readCut(bytes.subarray(0, cut), where);
      const want = full.filter((f) => f.recordEnd <= cut);
      assert.equal(got.length, want.length, `${where}: frames delivered`);
      for (let i = 0; i < want.length; i++) {
        assert.deepEqual(got[i], [want[i]!.number, want[i]!.fileOffset, want[i]!.capLen], where);
      }
    }
  });
}

/** Bytes of guard on each side of a mutated frame. */
const GUARD = 256;

/** Copies the record's observable state into a flat list for comparison. */
function snapshot(rec: PacketRecord): unknown[] {
  const out: unknown[] = [];
  const add = (o: object) => {
    for (const [k, v] of Object.entries(o)) {
      if (k === "buf") continue; // the frame's buffer itself (guards differ by design)
      if (typeof v === "number" || typeof v === "boolean") out.push(k, v);
      else if (ArrayBuffer.isView(v)) out.push(k, [...(v as Uint8Array)]);
    }
  };
  add(rec);
  add(rec.dns);
  add(rec.tls);
  return out;
}

function mutationTest(file: string, seed: number): void {
  const bytes = Deno.readFileSync(new URL(file, FIXTURES));
  let frames: FrameInfo[];
  try {
    frames = readAll(bytes);
  } catch {
    return; // unreadable file header (pcap-invalid-version-1.pcap): no frames
  }
  if (frames.length === 0) return;
  const rand = mulberry32(seed);
  const maxCap = Math.max(...frames.map((f) => f.capLen));
  const bufLo = new Uint8Array(GUARD + maxCap + GUARD); // guards 0x00
  const bufHi = new Uint8Array(GUARD + maxCap + GUARD).fill(0xff); // guards 0xff
  const frameLo = new Frame(), frameHi = new Frame();
  const recLo = new PacketRecord(), recHi = new PacketRecord();
  let fresh = new PacketRecord();
  for (let n = 0; n < 2000; n++) {
    const src = frames[Math.floor(rand() * frames.length)]!;
    let capLen = src.capLen;
    // One in four: cut the frame as a snaplen would.
    if (rand() < 0.25) capLen = Math.floor(rand() * (capLen + 1));
    // One in eight: a wire length below the captured length (readers pass
    // such records on unchanged).
    const wireLen = rand() < 0.125 ? Math.floor(rand() * (capLen + 1)) : src.wireLen;
    bufLo.fill(0);
    bufHi.fill(0xff);
    bufLo.set(bytes.subarray(src.offset, src.offset + capLen), GUARD);
    const flips = capLen === 0 ? 0 : 1 + Math.floor(rand() * 8);
    for (let i = 0; i < flips; i++) {
      const at = GUARD + Math.floor(rand() * capLen);
      bufLo[at] = Math.floor(rand() * 256);
    }
    bufHi.set(bufLo.subarray(GUARD, GUARD + capLen), GUARD);
    for (const [frame, buf] of [[frameLo, bufLo], [frameHi, bufHi]] as const) {
      frame.buf = buf;
      frame.offset = GUARD;
      frame.capLen = capLen;
      frame.wireLen = wireLen;
      frame.linkType = src.linkType;
      frame.number = src.number;
    }
    const where = `${file} mutation ${n} (frame ${src.number}, ${flips} flips, capLen ${capLen})`;
    decodeFrame(frameLo, recLo);
    decodeFrame(frameHi, recHi);
    checkOffsets(recLo, GUARD, GUARD + capLen, where);
    const a = snapshot(recLo), b = snapshot(recHi);
    if (!sameRecordState(a, b)) {
      assert.deepEqual(a, b, `${where}: the decode depends on bytes outside the frame`);
    }
    // The reused record must hold nothing from the previous packets.
    decodeFrame(frameLo, fresh);
    const reused = recordState(recLo), clean = recordState(fresh);
    if (!sameRecordState(reused, clean)) {
      assert.deepEqual(reused, clean, `${where}: the reused record differs from a fresh one`);
    }
    fresh = new PacketRecord();
  }
}

fixtureNames.forEach((file, i) => {
  Deno.test(`decodeFrame() stays inside ${file} frames with random byte flips`, () => {
    mutationTest(file, 0x5eed0000 + i);
  });
});

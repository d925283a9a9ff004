import assert from "node:assert/strict";
import { CaptureFileReader } from "./capture_file_reader.ts";
import { CaptureFileError } from "./capture_file_error.ts";
import { ByteSource } from "./byte_source.ts";
import { PcapReader } from "./pcap_reader.ts";
import { Frame } from "./frame.ts";
import { NEXT_EOF, NEXT_ERROR, NEXT_FRAME, NEXT_NEED_DATA } from "./read_status.ts";
import {
  buildPcap,
  collectFrames,
  patternBytes,
  type PcapHeaderSpec,
  type PcapRecordSpec,
} from "./capture_test_support.ts";

/** A reader that hands out `bytes` in pieces of the given sizes (cycled). */
function pieces(bytes: Uint8Array, sizes: number[]) {
  let pos = 0;
  let i = 0;
  return {
    read(p: Uint8Array): Promise<number | null> {
      if (pos >= bytes.length) return Promise.resolve(null);
      const n = Math.min(p.length, sizes[i++ % sizes.length], bytes.length - pos);
      p.set(bytes.subarray(pos, pos + n));
      pos += n;
      return Promise.resolve(n);
    },
  };
}

/** Record start offsets of a pcap built by buildPcap. */
function recordOffsets(header: PcapHeaderSpec, recs: readonly PcapRecordSpec[]): number[] {
  const h = header.modified ? 24 : 16;
  const out: number[] = [];
  let o = 24;
  for (const r of recs) {
    out.push(o);
    o += h + r.data.length;
  }
  out.push(o);
  return out;
}

const RECS: PcapRecordSpec[] = [
  { tsSec: 1000, tsFrac: 1, data: patternBytes(60, 1) },
  { tsSec: 1001, tsFrac: 999999, data: patternBytes(0, 2), wireLen: 1514 },
  { tsSec: 0xffffffff, tsFrac: 500000, data: patternBytes(123, 3), wireLen: 200 },
  { tsSec: 7, tsFrac: 0, data: patternBytes(1, 4) },
];

Deno.test("big-endian microsecond pcap (magic a1 b2 c3 d4)", async () => {
  const hdr = { littleEndian: false, snaplen: 65535, linkType: 113 };
  const bytes = buildPcap(hdr, RECS);
  assert.deepEqual([...bytes.subarray(0, 4)], [0xa1, 0xb2, 0xc3, 0xd4]);
  const r = CaptureFileReader.fromBytes(bytes, "be.pcap");
  assert.equal(r.format, "pcap");
  assert.equal(r.linkType, 113);
  assert.equal(r.snaplen, 65535);
  assert.equal(r.pcap?.littleEndian, false);
  assert.equal(r.pcap?.nanosecond, false);
  assert.equal(r.interfaces.length, 1);
  assert.equal(r.interfaces[0].tsResolNs, 1000);
  const run = await collectFrames(r);
  assert.equal(run.status, NEXT_EOF);
  assert.equal(run.error, null);
  const offs = recordOffsets(hdr, RECS);
  assert.equal(run.frames.length, RECS.length);
  run.frames.forEach((f, i) => {
    assert.equal(f.number, i + 1);
    assert.equal(f.fileOffset, offs[i]);
    assert.equal(f.tsSec, RECS[i].tsSec);
    assert.equal(f.tsNsec, RECS[i].tsFrac * 1000);
    assert.equal(f.capLen, RECS[i].data.length);
    assert.equal(f.wireLen, RECS[i].wireLen ?? RECS[i].data.length);
    assert.equal(f.linkType, 113);
    assert.equal(f.ifIndex, 0);
    assert.deepEqual(f.data, RECS[i].data);
  });
  assert.equal(r.framesRead, 4);
});

Deno.test("nanosecond pcap in both byte orders; fractions >= 1 s carry into seconds", async () => {
  const recs: PcapRecordSpec[] = [
    { tsSec: 1, tsFrac: 999_999_999, data: patternBytes(20) },
    { tsSec: 2, tsFrac: 1_882_137_472, data: patternBytes(21) }, // as in fuzz-2021-10-13.pcap
  ];
  for (const littleEndian of [true, false]) {
    const bytes = buildPcap({ littleEndian, nanosecond: true }, recs);
    const r = CaptureFileReader.fromBytes(bytes);
    assert.equal(r.pcap?.nanosecond, true);
    assert.equal(r.interfaces[0].tsresol, 9);
    const run = await collectFrames(r);
    assert.deepEqual(run.frames.map((f) => [f.tsSec, f.tsNsec]), [[1, 999_999_999], [
      3,
      882_137_472,
    ]]);
  }
  // Microseconds >= 10^6 carry too.
  const us = buildPcap({}, [{ tsSec: 10, tsFrac: 2_500_000, data: patternBytes(4) }]);
  const run = await collectFrames(CaptureFileReader.fromBytes(us));
  assert.deepEqual([run.frames[0].tsSec, run.frames[0].tsNsec], [12, 500_000_000]);
});

Deno.test("snaplen 0, caplen above snaplen, header-only file", async () => {
  const zero = buildPcap({ snaplen: 0 }, RECS);
  const r0 = CaptureFileReader.fromBytes(zero);
  assert.equal(r0.snaplen, 0);
  assert.equal((await collectFrames(r0)).frames.length, 4);
  // The header says 96 but records are longer (like timestamp.pcap's mismatch): accepted.
  const big = buildPcap({ snaplen: 96 }, [{ tsSec: 1, tsFrac: 0, data: patternBytes(1500) }]);
  const rb = await collectFrames(CaptureFileReader.fromBytes(big));
  assert.equal(rb.status, NEXT_EOF);
  assert.equal(rb.frames[0].capLen, 1500);
  const empty = CaptureFileReader.fromBytes(buildPcap({}, []));
  const re = await collectFrames(empty);
  assert.equal(re.status, NEXT_EOF);
  assert.equal(re.frames.length, 0);
});

Deno.test("caplen above wire length is kept and counted", async () => {
  const r = CaptureFileReader.fromBytes(
    buildPcap({}, [{ tsSec: 1, tsFrac: 0, data: patternBytes(40), wireLen: 30 }]),
  );
  const run = await collectFrames(r);
  assert.equal(run.frames[0].capLen, 40);
  assert.equal(run.frames[0].wireLen, 30);
  assert.equal(r.capLenAboveWireLen, 1);
});

Deno.test("version 2.0-2.2 swap caplen/len; 2.3 swaps only when caplen > len", async () => {
  // In a 2.0 file the first length field is the wire length (libpcap sf-pcap.c, wiretap).
  const v20 = buildPcap({ versionMinor: 0, nanosecond: true }, [
    { tsSec: 1, tsFrac: 0, data: patternBytes(10), capLenField: 500, wireLen: 10 },
  ]);
  const a = await collectFrames(CaptureFileReader.fromBytes(v20));
  assert.deepEqual([a.frames[0].capLen, a.frames[0].wireLen], [10, 500]);
  const v23 = buildPcap({ versionMinor: 3 }, [
    { tsSec: 1, tsFrac: 0, data: patternBytes(10), wireLen: 60 }, // ordinary
    { tsSec: 1, tsFrac: 0, data: patternBytes(10), capLenField: 70, wireLen: 10 }, // swapped
  ]);
  const b = await collectFrames(CaptureFileReader.fromBytes(v23));
  assert.deepEqual(b.frames.map((f) => [f.capLen, f.wireLen]), [[10, 60], [10, 70]]);
});

Deno.test("version 1.x is archaic and 3.x unsupported (not-capture)", async () => {
  for (const [major, minor, text] of [[1, 4, "archaic"], [3, 0, "unsupported"]] as const) {
    const bytes = buildPcap({ versionMajor: major, versionMinor: minor }, RECS);
    assert.throws(
      () => CaptureFileReader.fromBytes(bytes, "v.pcap"),
      (e: unknown) =>
        e instanceof CaptureFileError && e.kind === "not-capture" &&
        e.message.includes(text) && e.message.includes(`${major}.${minor}`) &&
        e.message.startsWith('Cannot read "v.pcap": '),
    );
  }
  // The real libpcap test file: tcpdump says "archaic pcap savefile format".
  await assert.rejects(
    CaptureFileReader.open("tests/fixtures/pcap-invalid-version-1.pcap"),
    (e: unknown) =>
      e instanceof CaptureFileError && e.kind === "not-capture" &&
      e.message ===
        'Cannot read "tests/fixtures/pcap-invalid-version-1.pcap": archaic pcap savefile format (version 1.4)',
  );
});

Deno.test("link type upper bits are masked; FCS length from the f bit", () => {
  const r = CaptureFileReader.fromBytes(buildPcap({ linkType: 0x40000000 }, []));
  assert.equal(r.linkType, 0);
  assert.equal(r.interfaces[0].fcsLen, -1);
  // FCS = 2 (16-bit words), f = 1: 4-byte FCS on Ethernet.
  const f = CaptureFileReader.fromBytes(buildPcap({ linkType: 0x50000001 }, []));
  assert.equal(f.linkType, 1);
  assert.equal(f.interfaces[0].fcsLen, 4);
});

Deno.test("Kuznetsov modified pcap (a1 b2 cd 34): 24-byte record headers", async () => {
  const hdr = { modified: true };
  const bytes = buildPcap(hdr, RECS);
  const r = CaptureFileReader.fromBytes(bytes);
  assert.equal(r.pcap?.modified, true);
  const run = await collectFrames(r);
  const offs = recordOffsets(hdr, RECS);
  assert.equal(run.status, NEXT_EOF);
  assert.deepEqual(run.frames.map((f) => f.fileOffset), offs.slice(0, -1));
  run.frames.forEach((f, i) => assert.deepEqual(f.data, RECS[i].data));
});

Deno.test("caplen 0x7fffffff is corrupt: reported without a huge allocation", async () => {
  const bytes = buildPcap({}, [
    { tsSec: 1, tsFrac: 0, data: patternBytes(50) },
    { tsSec: 2, tsFrac: 0, data: patternBytes(50), capLenField: 0x7fffffff },
  ]);
  const src = new ByteSource(pieces(bytes, [4096]), 4096);
  src.need = 24;
  await src.fill();
  const p = new PcapReader(src, "big.pcap");
  const f = new Frame();
  assert.equal(p.next(f), NEXT_FRAME);
  let s = p.next(f);
  while (s === NEXT_NEED_DATA) {
    await src.fill();
    s = p.next(f);
  }
  assert.equal(s, NEXT_ERROR);
  assert.equal(p.error?.kind, "corrupt");
  assert.equal(p.error?.frameNumber, 2);
  assert.equal(p.error?.byteOffset, 24 + 16 + 50);
  assert.equal(
    p.error?.message,
    'Cannot read "big.pcap": packet 2 at byte offset 90 is corrupt ' +
      "(captured length 2147483647 exceeds the maximum of 262144 bytes)",
  );
  assert.ok(src.buf.length <= 4096, `buffer grew to ${src.buf.length}`);
  // Sticky.
  assert.equal(p.next(f), NEXT_ERROR);
});

Deno.test("a huge snaplen lets a large caplen through, but a short file stays small in memory", async () => {
  // snaplen 2^31-1 → bound is 256 MiB; the 200 MiB record is then simply cut short.
  const bytes = buildPcap({ snaplen: 0x7fffffff }, [
    { tsSec: 1, tsFrac: 0, data: patternBytes(50), capLenField: 200 * 1024 * 1024 },
  ]);
  const src = new ByteSource(pieces(bytes, [7]), 64);
  src.need = 24;
  while (src.available < 24) await src.fill();
  const p = new PcapReader(src, "x.pcap");
  const f = new Frame();
  let s = p.next(f);
  while (s === NEXT_NEED_DATA) {
    await src.fill();
    s = p.next(f);
  }
  assert.equal(s, NEXT_ERROR);
  assert.equal(p.error?.kind, "truncated");
  assert.equal(
    p.error?.message,
    `Cannot read "x.pcap": packet 1 at byte offset 24 is cut short (record header says 209715200 bytes, 50 present)`,
  );
  // The buffer doubles only while full of real data (4 KiB minimum step), not to 200 MiB.
  assert.ok(src.buf.length <= 4096, `buffer grew to ${src.buf.length}`);
  // 300 MiB is above the hard bound whatever the snaplen.
  const huge = buildPcap({ snaplen: 0x7fffffff }, [
    { tsSec: 1, tsFrac: 0, data: patternBytes(50), capLenField: 300 * 1024 * 1024 },
  ]);
  const run = await collectFrames(CaptureFileReader.fromBytes(huge));
  assert.equal(run.error?.kind, "corrupt");
});

Deno.test("truncated at every offset: frames before the cut delivered, error names the frame", async () => {
  for (const hdr of [{}, { littleEndian: false, nanosecond: true }, { modified: true }]) {
    const bytes = buildPcap(hdr, RECS);
    const offs = recordOffsets(hdr, RECS);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const part = bytes.slice(0, cut);
      if (cut < 24) {
        assert.throws(
          () => CaptureFileReader.fromBytes(part, "cut.pcap"),
          (e: unknown) =>
            e instanceof CaptureFileError &&
            e.kind === (cut === 0 || cut < 4 ? "not-capture" : "truncated"),
          `cut at ${cut}`,
        );
        continue;
      }
      // Same result from memory and from a reader that trickles 5 bytes at a time.
      const runs = [
        await collectFrames(CaptureFileReader.fromBytes(part, "cut.pcap")),
        await collectFrames(
          await CaptureFileReader.fromReader(pieces(part, [5, 3, 11]), "cut.pcap", {
            chunkSize: 32,
          }),
        ),
        // Read ahead: the next chunk is read while the current one is parsed.
        await collectFrames(
          await CaptureFileReader.fromReader(pieces(part, [5, 3, 11]), "cut.pcap", {
            chunkSize: 32,
            readAhead: true,
          }),
        ),
      ];
      const complete = offs.slice(1).filter((end) => end <= cut).length;
      for (const run of runs) {
        assert.equal(run.frames.length, complete, `cut at ${cut}`);
        run.frames.forEach((f, i) => assert.deepEqual(f.data, RECS[i].data));
        if (offs.includes(cut)) {
          assert.equal(run.status, NEXT_EOF, `cut at ${cut}`);
        } else {
          assert.equal(run.status, NEXT_ERROR, `cut at ${cut}`);
          const e = run.error!;
          assert.equal(e.kind, "truncated");
          assert.equal(e.frameNumber, complete + 1);
          assert.equal(e.byteOffset, offs[complete]);
          assert.match(
            e.message,
            new RegExp(
              `^Cannot read "cut\\.pcap": packet ${complete + 1} at byte offset ${
                offs[complete]
              } is cut short \\(record header (is|says) \\d+ bytes, \\d+ present\\)$`,
            ),
          );
          assert.ok(!e.message.includes("\n"));
        }
      }
    }
  }
});

Deno.test("a chunk size smaller than a record reads the same frames", async () => {
  const recs: PcapRecordSpec[] = [];
  for (let i = 0; i < 40; i++) {
    recs.push({ tsSec: 100 + i, tsFrac: i * 1000, data: patternBytes((i * 37) % 300, i) });
  }
  const bytes = buildPcap({}, recs);
  const whole = await collectFrames(CaptureFileReader.fromBytes(bytes));
  for (const readAhead of [false, true]) {
    for (const chunkSize of [1, 16, 64, 4096]) {
      const r = await CaptureFileReader.fromReader(pieces(bytes, [1 << 30]), "p", {
        chunkSize,
        readAhead,
      });
      const run = await collectFrames(r);
      assert.equal(run.status, NEXT_EOF);
      assert.deepEqual(run.frames, whole.frames, `chunkSize ${chunkSize}, readAhead ${readAhead}`);
      assert.equal(r.bytesRead, bytes.length);
    }
  }
});

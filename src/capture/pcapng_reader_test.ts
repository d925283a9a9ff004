import assert from "node:assert/strict";
import { CaptureFileReader } from "./capture_file_reader.ts";
import { CaptureFileError } from "./capture_file_error.ts";
import { NEXT_EOF, NEXT_ERROR } from "./read_status.ts";
import { collectFrames, patternBytes, PcapngBuilder } from "./capture_test_support.ts";

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

/**
 * Two sections (the second big-endian), four interfaces with different
 * if_tsresol / if_tsoffset, EPB, SPB, OPB, an unknown block and an ISB.
 * Timestamps were cross-checked with tshark 4.0 (which numbers interfaces
 * per section, where we number them across the file).
 */
function twoSections(): PcapngBuilder {
  return new PcapngBuilder()
    .shb()
    .idb({ linkType: 1, snaplen: 0, name: "eth0", tsresol: 0x8a }) // 2^-10 s
    .idb({ linkType: 101, snaplen: 100, name: "ms", tsresol: 3, tsoffset: 1000 }) // 10^-3 s
    .epb({ ifId: 0, tsHi: 0, tsLo: 1741 * 1024 + 513, data: patternBytes(60, 1) })
    .epb({ ifId: 1, tsHi: 0x18b, tsLo: 0x12345678, data: patternBytes(61, 2), wireLen: 70 })
    .spb(patternBytes(150, 3), 150) // interface 0 of section 0
    .opb({ ifId: 1, drops: 3, tsHi: 0x18b, tsLo: 0x22345678, data: patternBytes(62, 4) })
    .block(0x12345, patternBytes(10)) // unknown type: skipped
    .block(5, new Uint8Array(16)) // ISB: skipped
    .shb({ littleEndian: false })
    .idb({ linkType: 113, snaplen: 65535, name: "be0", tsresol: 9 })
    .idb({ linkType: 1, snaplen: 65535, name: "be1", tsoffset: -5 }) // default 10^-6
    .epb({ ifId: 1, tsHi: 0x5f5e1, tsLo: 0x12345678, data: patternBytes(40, 5), comment: "hi" })
    .epb({ ifId: 0, tsHi: 0x17a2bc12, tsLo: 0x12345678, data: patternBytes(44, 6) })
    .spb(patternBytes(20, 7), 10); // original length 10 < data: capLen 10
}

const EXPECTED = [
  // [tsSec, tsNsec, ifIndex, capLen, wireLen, linkType, seed]
  [1741, 500976562, 0, 60, 60, 1, 1],
  [1696818501, 816000000, 1, 61, 70, 101, 2],
  [0, 0, 0, 150, 150, 1, 3],
  [1697086937, 272000000, 1, 62, 62, 101, 4],
  [1677721900, 419896000, 3, 40, 40, 1, 5],
  [1703130394, 900321912, 2, 44, 44, 113, 6],
  [0, 0, 2, 10, 10, 113, 7],
];

Deno.test("two sections (second big-endian), SPB, OPB, unknown block, tsresol, tsoffset", async () => {
  const b = twoSections();
  const bytes = b.build();
  const r = CaptureFileReader.fromBytes(bytes, "two.pcapng");
  assert.equal(r.format, "pcapng");
  // open() read the first IDB already.
  assert.equal(r.linkType, 1);
  assert.equal(r.snaplen, 0);
  const run = await collectFrames(r);
  assert.equal(run.status, NEXT_EOF);
  assert.equal(run.error, null);
  assert.equal(run.frames.length, EXPECTED.length);
  const packetOffsets = [3, 4, 5, 6, 12, 13, 14].map((i) => b.offsets[i]);
  run.frames.forEach((f, i) => {
    const [sec, nsec, ifIndex, capLen, wireLen, linkType, seed] = EXPECTED[i];
    assert.deepEqual(
      [f.tsSec, f.tsNsec, f.ifIndex, f.capLen, f.wireLen, f.linkType],
      [sec, nsec, ifIndex, capLen, wireLen, linkType],
      `frame ${i + 1}`,
    );
    assert.equal(f.number, i + 1);
    assert.equal(f.fileOffset, packetOffsets[i]);
    assert.deepEqual(f.data, patternBytes(capLen, seed));
  });
  assert.equal(r.skippedBlocks, 2);
  assert.equal(r.sections, 2);
  assert.deepEqual(
    r.interfaces.map((i) => [i.index, i.section, i.name, i.linkType, i.snaplen, i.tsresol]),
    [[0, 0, "eth0", 1, 0, 0x8a], [1, 0, "ms", 101, 100, 3], [2, 1, "be0", 113, 65535, 9], [
      3,
      1,
      "be1",
      1,
      65535,
      6,
    ]],
  );
  assert.deepEqual(r.interfaces.map((i) => i.tsOffsetSec), [0, 1000, 0, -5]);
  assert.deepEqual(r.interfaces.map((i) => i.tsResolNs), [1e9 / 1024, 1e6, 1, 1000]);
  assert.equal(r.framesRead, 7);
});

Deno.test("SPB: capLen limited by snaplen; SPB or EPB without an IDB is corrupt", async () => {
  const snap = new PcapngBuilder().shb().idb({ snaplen: 16 }).spb(patternBytes(40), 1000).build();
  const a = await collectFrames(CaptureFileReader.fromBytes(snap));
  assert.deepEqual([a.frames[0].capLen, a.frames[0].wireLen], [16, 1000]);

  const noIdb = new PcapngBuilder().shb().spb(patternBytes(40)).build();
  const b = await collectFrames(CaptureFileReader.fromBytes(noIdb, "n.pcapng"));
  assert.equal(b.status, NEXT_ERROR);
  assert.equal(b.error?.kind, "corrupt");
  assert.equal(
    b.error?.message,
    'Cannot read "n.pcapng": packet 1 at byte offset 28 is corrupt ' +
      "(interface 0 has no Interface Description Block in its section)",
  );

  // Interface 1 of the second section does not exist, though the file has 2 IDBs.
  const wrongIf = new PcapngBuilder().shb().idb().idb().epb({ data: patternBytes(4) })
    .shb().idb().epb({ ifId: 1, data: patternBytes(4) }).build();
  const c = await collectFrames(CaptureFileReader.fromBytes(wrongIf));
  assert.equal(c.frames.length, 1);
  assert.equal(c.error?.kind, "corrupt");
  assert.equal(c.error?.frameNumber, 2);
  assert.match(c.error!.message, /interface 1 has no Interface Description Block/);
});

Deno.test("bad block lengths are corrupt, named by frame number and offset", async () => {
  const base = () => new PcapngBuilder().shb().idb().epb({ data: patternBytes(8) });
  const cases: [string, PcapngBuilder, RegExp][] = [
    ["length below 12", base().block(6, new Uint8Array(0), 8, 8), /block total length 8 is not/],
    ["not a multiple of 4", base().block(99, new Uint8Array(20), 30, 30), /length 30 is not/],
    [
      "trailer mismatch",
      base().block(6, new Uint8Array(24), 36, 40),
      /total length 36 does not match the trailing copy 40/,
    ],
    ["above 256 MiB", base().block(6, new Uint8Array(24), 0x7ffffff0), /above 256 MiB/],
    [
      "EPB below its minimum",
      base().block(6, new Uint8Array(12)),
      /Enhanced Packet Block total length 24 is below the minimum 32/,
    ],
    [
      "caplen beyond the block",
      base().epb({ data: patternBytes(8), capLenField: 100 }),
      /captured length 100 does not fit in a 40-byte block/,
    ],
    [
      "IDB below its minimum",
      base().block(1, new Uint8Array(4)),
      /Interface Description Block total length 16/,
    ],
  ];
  for (const [name, b, re] of cases) {
    const bytes = b.build();
    const off = b.offsets[b.offsets.length - 1];
    for (const chunkSize of [undefined, 16]) {
      const r = chunkSize === undefined
        ? CaptureFileReader.fromBytes(bytes, "bad.pcapng")
        : await CaptureFileReader.fromReader(pieces(bytes, [9]), "bad.pcapng", { chunkSize });
      const run = await collectFrames(r);
      assert.equal(run.frames.length, 1, name);
      assert.equal(run.status, NEXT_ERROR, name);
      assert.equal(run.error?.kind, "corrupt", name);
      assert.equal(run.error?.frameNumber, 2, name);
      assert.equal(run.error?.byteOffset, off, name);
      assert.match(run.error!.message, re, name);
      assert.match(run.error!.message, new RegExp(`at byte offset ${off}`), name);
      assert.ok(!run.error!.message.includes("\n"));
    }
  }
});

Deno.test("SHB problems: bad byte-order magic or version 2 at the start is not-capture", async () => {
  const badBom = new PcapngBuilder().shb().idb().build();
  badBom.set([1, 2, 3, 4], 8);
  assert.throws(
    () => CaptureFileReader.fromBytes(badBom, "x.pcapng"),
    (e: unknown) =>
      e instanceof CaptureFileError && e.kind === "not-capture" &&
      /byte-order magic is 0x04030201/.test(e.message),
  );
  const v2 = new PcapngBuilder().shb({ major: 2 }).idb().build();
  assert.throws(
    () => CaptureFileReader.fromBytes(v2, "x.pcapng"),
    (e: unknown) =>
      e instanceof CaptureFileError && e.kind === "not-capture" &&
      /unsupported pcapng version 2\.0/.test(e.message),
  );
  // Later in the file the same problems are corrupt blocks reported by next().
  const b = new PcapngBuilder().shb().idb().epb({ data: patternBytes(4) }).shb({ major: 2 });
  const run = await collectFrames(CaptureFileReader.fromBytes(b.build(), "x.pcapng"));
  assert.equal(run.frames.length, 1);
  assert.equal(run.error?.kind, "corrupt");
  assert.equal(
    run.error?.message,
    `Cannot read "x.pcapng": block at byte offset ${
      b.offsets[3]
    } (before packet 2) has an unsupported pcapng version 2.0`,
  );
});

Deno.test("section with no IDB yet; malformed IDB options keep the interface", async () => {
  const only = CaptureFileReader.fromBytes(new PcapngBuilder().shb().build());
  assert.equal(only.linkType, -1);
  assert.equal(only.interfaces.length, 0);
  assert.equal((await collectFrames(only)).status, NEXT_EOF);

  // IDB body: link type 113, snaplen 9000, then an option claiming 200 bytes.
  const body = new Uint8Array(16);
  const dv = new DataView(body.buffer);
  dv.setUint16(0, 113, true);
  dv.setUint32(4, 9000, true);
  dv.setUint16(8, 2, true);
  dv.setUint16(10, 200, true);
  const bytes = new PcapngBuilder().shb().block(1, body).epb({ data: patternBytes(5) }).build();
  const r = CaptureFileReader.fromBytes(bytes);
  assert.deepEqual(
    [r.interfaces[0].linkType, r.interfaces[0].snaplen, r.interfaces[0].name],
    [113, 9000, ""],
  );
  const run = await collectFrames(r);
  assert.equal(run.frames.length, 1);
  assert.equal(run.frames[0].linkType, 113);
  assert.equal(run.frames[0].tsNsec, 0);
});

Deno.test("truncated at every offset: frames before the cut delivered, error names the frame", async () => {
  const b = twoSections();
  const bytes = b.build();
  const starts = [...b.offsets, bytes.length];
  const packetBlocks = new Set([3, 4, 5, 6, 12, 13, 14]);
  const shbEnd = b.offsets[1];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const part = bytes.slice(0, cut);
    if (cut < shbEnd) {
      // The file's SHB itself is damaged: open() throws.
      assert.throws(
        () => CaptureFileReader.fromBytes(part, "cut.pcapng"),
        (e: unknown) =>
          e instanceof CaptureFileError &&
          e.kind === (cut < 4 ? "not-capture" : "truncated"),
        `cut at ${cut}`,
      );
      continue;
    }
    const runs = [
      await collectFrames(CaptureFileReader.fromBytes(part, "cut.pcapng")),
      await collectFrames(
        await CaptureFileReader.fromReader(pieces(part, [7, 1, 64]), "cut.pcapng", {
          chunkSize: 24,
        }),
      ),
      await collectFrames(
        await CaptureFileReader.fromReader(pieces(part, [7, 1, 64]), "cut.pcapng", {
          chunkSize: 24,
          readAhead: true,
        }),
      ),
    ];
    // Blocks wholly before the cut, and packets among them.
    let whole = 0;
    while (whole + 1 < starts.length && starts[whole + 1] <= cut) whole++;
    let complete = 0;
    for (let i = 0; i < whole; i++) if (packetBlocks.has(i)) complete++;
    for (const run of runs) {
      assert.equal(run.frames.length, complete, `cut at ${cut}`);
      run.frames.forEach((f, i) =>
        assert.deepEqual(f.data, patternBytes(f.capLen, EXPECTED[i][6]))
      );
      if (starts.includes(cut)) {
        assert.equal(run.status, NEXT_EOF, `cut at ${cut}`);
      } else {
        const e = run.error!;
        assert.equal(run.status, NEXT_ERROR, `cut at ${cut}`);
        assert.equal(e.kind, "truncated");
        assert.equal(e.frameNumber, complete + 1);
        assert.equal(e.byteOffset, starts[whole]);
        const subject = packetBlocks.has(whole) && cut - starts[whole] >= 4
          ? `packet ${complete + 1} at byte offset ${starts[whole]}`
          : `block at byte offset ${starts[whole]} \\(before packet ${complete + 1}\\)`;
        assert.match(
          e.message,
          new RegExp(`^Cannot read "cut\\.pcapng": ${subject} is cut short \\(block header`),
          `cut at ${cut}`,
        );
      }
    }
  }
});

Deno.test("chunk sizes smaller than a block read the same frames", async () => {
  const b = new PcapngBuilder().shb().idb({ tsresol: 9 });
  for (let i = 0; i < 30; i++) {
    b.epb({ tsHi: 0x17a2bc12, tsLo: i * 1_000_003, data: patternBytes((i * 53) % 400, i) });
    if (i % 7 === 0) b.block(4, new Uint8Array(8)); // NRB-like, skipped
  }
  const bytes = b.build();
  const whole = await collectFrames(CaptureFileReader.fromBytes(bytes));
  assert.equal(whole.frames.length, 30);
  for (const readAhead of [false, true]) {
    for (const chunkSize of [1, 12, 64, 1 << 20]) {
      const r = await CaptureFileReader.fromReader(pieces(bytes, [1 << 30]), "p", {
        chunkSize,
        readAhead,
      });
      const run = await collectFrames(r);
      assert.equal(run.status, NEXT_EOF);
      assert.deepEqual(run.frames, whole.frames, `chunkSize ${chunkSize}, readAhead ${readAhead}`);
      assert.equal(r.skippedBlocks, 5);
    }
  }
});

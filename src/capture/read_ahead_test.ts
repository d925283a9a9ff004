/**
 * Read-ahead double buffering (byte_source.ts) end to end: every frame, its
 * bytes and timestamps read with small chunks (records straddling chunk
 * boundaries, records larger than a chunk and than the headroom, boundaries
 * exactly between records) equal a reading of the whole file at once; frames
 * handed out since the last fill() keep their bytes until the next fill();
 * truncated inputs, read errors, close() with a read in flight, empty files,
 * pipes and standard input.
 */

import assert from "node:assert/strict";
import { type ByteReader, ByteSource } from "./byte_source.ts";
import { CaptureFileReader } from "./capture_file_reader.ts";
import { Frame } from "./frame.ts";
import { NEXT_EOF, NEXT_ERROR, NEXT_FRAME, NEXT_NEED_DATA } from "./read_status.ts";
import {
  buildPcap,
  type CollectedRun,
  collectFrames,
  patternBytes,
  PcapngBuilder,
  type PcapRecordSpec,
  sameBytes,
  StepReader,
} from "./capture_test_support.ts";

/** Serves `bytes` like a regular file, scribbling over the rest of each read's target. */
function eagerReader(bytes: Uint8Array, step = Infinity, failAt = -1): StepReader {
  return new StepReader(bytes, step, failAt, true);
}

/** Compares two runs frame by frame (clearer failures than one deepEqual). */
function assertSameRun(got: CollectedRun, want: CollectedRun, what: string): void {
  assert.equal(got.frames.length, want.frames.length, `${what}: frame count`);
  for (let i = 0; i < want.frames.length; i++) {
    const g = got.frames[i], w = want.frames[i];
    const { data: gd, ...gm } = g;
    const { data: wd, ...wm } = w;
    assert.deepEqual(gm, wm, `${what}: frame ${i + 1} metadata`);
    assert.ok(sameBytes(gd, wd), `${what}: frame ${i + 1} bytes`);
  }
  assert.equal(got.status, want.status, `${what}: status`);
  assert.equal(got.error?.kind, want.error?.kind, `${what}: error kind`);
  assert.equal(got.error?.byteOffset, want.error?.byteOffset, `${what}: error offset`);
  assert.equal(got.error?.frameNumber, want.error?.frameNumber, `${what}: error frame`);
}

/** Small records of every length 0..99 with distinct timestamps. */
function smallRecords(n: number): PcapRecordSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    tsSec: 1_700_000_000 + i,
    tsFrac: (i * 7919) % 1_000_000,
    data: patternBytes((i * 37) % 100, i),
    wireLen: ((i * 37) % 100) + (i % 3),
  }));
}

/**
 * Records from tiny to larger than any chunk used below: 256 KiB + 16 (the
 * default pcap maximum, larger than the 256 KiB headroom with its header),
 * 300 KiB, 2.5 MiB and 3 MiB (larger than the default 2 MiB chunk).
 */
function bigRecords(): PcapRecordSpec[] {
  const sizes = [
    60,
    1514,
    262144,
    0,
    9000,
    262144,
    262144,
    65535,
    300 * 1024,
    1,
    2.5 * 1024 * 1024,
    100,
    3 * 1024 * 1024,
    262128,
    262129,
    40,
  ];
  return sizes.map((len, i) => ({
    tsSec: 1_600_000_000 + i,
    tsFrac: (i * 123457) % 1_000_000,
    data: patternBytes(len, i * 11),
  }));
}

/** A big-record pcap (snaplen 4 MiB so the 3 MiB record is not corrupt). */
function bigPcap(): Uint8Array {
  return buildPcap({ snaplen: 4 * 1024 * 1024 }, bigRecords());
}

/** pcapng: three sections (LE, BE, LE), several IDBs, blocks larger than a chunk. */
function multiSectionPcapng(): { bytes: Uint8Array; packets: number } {
  const b = new PcapngBuilder();
  let packets = 0;
  b.shb().idb({ linkType: 1, name: "eth0" }).idb({ linkType: 101, tsresol: 9, name: "raw0" });
  for (let i = 0; i < 40; i++) {
    b.epb({ ifId: i & 1, tsHi: i, tsLo: i * 1000 + 1, data: patternBytes((i * 53) % 300, i) });
    packets++;
  }
  b.block(0x00000bad, patternBytes(70000, 9)); // skipped, larger than 64 KiB
  b.epb({ ifId: 1, tsHi: 5, tsLo: 6, data: patternBytes(200000, 1) });
  packets++;
  b.shb({ littleEndian: false }).idb({ linkType: 113, tsresol: 3 });
  b.spb(patternBytes(123, 5));
  b.opb({ tsHi: 0, tsLo: 77, data: patternBytes(64, 6) });
  b.idb({ linkType: 1, tsresol: 0x80 | 10 }); // second IDB of the big-endian section
  for (let i = 0; i < 30; i++) {
    b.epb({ ifId: i % 2, tsHi: 0, tsLo: i * 3, data: patternBytes((i * 97) % 1500, i + 1) });
    packets++;
  }
  packets += 2;
  b.shb().idb({ linkType: 1, name: "eth9" });
  b.epb({ data: patternBytes(2 * 1024 * 1024 + 100, 3), comment: "bigger than 2 MiB" });
  packets++;
  for (let i = 0; i < 20; i++) {
    b.epb({ tsHi: 1, tsLo: i, data: patternBytes(i * 11, i) });
    packets++;
  }
  return { bytes: b.build(), packets };
}

async function withTempDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "netscope_read_ahead_" });
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("read-ahead: every chunk size 1..120 reads the same small pcap (boundaries at every offset)", async () => {
  const bytes = buildPcap({ nanosecond: true }, smallRecords(60));
  const want = await collectFrames(CaptureFileReader.fromBytes(bytes));
  assert.equal(want.frames.length, 60);
  for (let chunkSize = 1; chunkSize <= 120; chunkSize++) {
    const reader = eagerReader(bytes);
    const r = await CaptureFileReader.fromReader(reader, "s.pcap", { chunkSize, readAhead: true });
    assertSameRun(await collectFrames(r, { hold: true }), want, `chunk ${chunkSize}`);
    assert.equal(r.bytesRead, bytes.length);
    r.close();
    assert.equal(reader.closes, 1);
  }
});

Deno.test("read-ahead: records larger than a chunk and than the headroom (pcap, in-memory reader)", async () => {
  const bytes = bigPcap();
  const want = await collectFrames(CaptureFileReader.fromBytes(bytes));
  assert.equal(want.frames.length, bigRecords().length);
  for (const chunkSize of [4093, 65536, 262144, 300000, 1 << 20]) {
    for (const step of [Infinity, 5000]) {
      const r = await CaptureFileReader.fromReader(eagerReader(bytes, step), "b.pcap", {
        chunkSize,
        readAhead: true,
      });
      assertSameRun(
        await collectFrames(r, { hold: true }),
        want,
        `chunk ${chunkSize}, reads of ${step}`,
      );
      assert.equal(r.bytesRead, bytes.length);
      r.close();
    }
  }
});

Deno.test("read-ahead: pcapng with several sections and interfaces, blocks larger than a chunk", async () => {
  const { bytes, packets } = multiSectionPcapng();
  const whole = CaptureFileReader.fromBytes(bytes);
  const want = await collectFrames(whole);
  assert.equal(want.status, NEXT_EOF);
  assert.equal(want.frames.length, packets);
  for (const chunkSize of [1, 12, 13, 100, 4096, 65536, 1 << 20]) {
    const r = await CaptureFileReader.fromReader(eagerReader(bytes), "m.pcapng", {
      chunkSize,
      readAhead: true,
    });
    assertSameRun(await collectFrames(r, { hold: true }), want, `chunk ${chunkSize}`);
    assert.deepEqual(r.interfaces, whole.interfaces, `chunk ${chunkSize}`);
    assert.equal(r.sections, 3);
    assert.equal(r.skippedBlocks, whole.skippedBlocks);
    r.close();
  }
});

Deno.test("read-ahead: real files read with small chunks equal one whole reading", async () => {
  await withTempDir(async (dir) => {
    const pcap = bigPcap();
    const ng = multiSectionPcapng().bytes;
    const small = buildPcap({}, smallRecords(200));
    for (
      const [name, bytes] of [["big.pcap", pcap], ["m.pcapng", ng], ["s.pcap", small]] as const
    ) {
      const path = `${dir}/${name}`;
      await Deno.writeFile(path, bytes);
      const want = await collectFrames(CaptureFileReader.fromBytes(bytes));
      // Default (2 MiB), smaller chunks, and one larger than the file (direct mode).
      for (const chunkSize of [undefined, 1000, 65536, 262144, 1 << 20, 64 << 20]) {
        if (chunkSize === 1000 && bytes.length > 1 << 20) continue; // keep it quick
        const src = await ByteSource.open(path, chunkSize);
        assert.equal(src.readAhead, bytes.length >= (chunkSize ?? 2 << 20), `${name} ${chunkSize}`);
        src.close();
        const r = await CaptureFileReader.open(path, { chunkSize });
        assertSameRun(await collectFrames(r, { hold: true }), want, `${name}, chunk ${chunkSize}`);
        assert.equal(r.bytesRead, bytes.length);
        r.close();
      }
    }
  });
});

Deno.test("read-ahead: records ending exactly at a chunk boundary, and a file of exactly one chunk", async () => {
  // Header 24 + records of 16 + 40 bytes: with chunks of 80 every chunk ends
  // between two records; with 56, 24 bytes into one.
  const recs = Array.from({ length: 30 }, (_, i) => ({
    tsSec: i,
    tsFrac: i,
    data: patternBytes(40, i),
  }));
  const bytes = buildPcap({}, recs);
  const want = await collectFrames(CaptureFileReader.fromBytes(bytes));
  for (const chunkSize of [24, 56, 80, 136, bytes.length - 1, bytes.length]) {
    const r = await CaptureFileReader.fromReader(eagerReader(bytes), "x.pcap", {
      chunkSize,
      readAhead: true,
    });
    assertSameRun(await collectFrames(r, { hold: true }), want, `chunk ${chunkSize}`);
    r.close();
  }
  await withTempDir(async (dir) => {
    const path = `${dir}/exact.pcap`;
    await Deno.writeFile(path, bytes);
    for (const chunkSize of [24, 80, bytes.length, bytes.length + 1]) {
      const r = await CaptureFileReader.open(path, { chunkSize });
      assertSameRun(await collectFrames(r, { hold: true }), want, `file, chunk ${chunkSize}`);
      r.close();
    }
  });
});

Deno.test("read-ahead: empty files, a header-only file, a header cut short", async () => {
  await withTempDir(async (dir) => {
    const empty = `${dir}/empty.pcap`;
    await Deno.writeFile(empty, new Uint8Array(0));
    for (const chunkSize of [1, 24, undefined]) {
      await assert.rejects(
        CaptureFileReader.open(empty, { chunkSize }),
        (e: Error & { kind?: string }) => e.kind === "not-capture" && /empty/.test(e.message),
      );
    }
    await assert.rejects(
      CaptureFileReader.fromReader(eagerReader(new Uint8Array(0)), "e", {
        chunkSize: 8,
        readAhead: true,
      }),
      (e: Error & { kind?: string }) => e.kind === "not-capture",
    );
    const headerOnly = `${dir}/header.pcap`;
    const hdr = buildPcap({}, []);
    await Deno.writeFile(headerOnly, hdr);
    for (const chunkSize of [1, 5, 8, 24]) {
      const r = await CaptureFileReader.open(headerOnly, { chunkSize });
      const run = await collectFrames(r, { hold: true });
      assert.equal(run.status, NEXT_EOF);
      assert.equal(run.frames.length, 0);
      r.close();
    }
    const cut = `${dir}/cut_header.pcap`;
    await Deno.writeFile(cut, hdr.subarray(0, 20));
    await assert.rejects(
      CaptureFileReader.open(cut, { chunkSize: 8 }),
      (e: Error & { kind?: string }) => e.kind === "truncated",
    );
  });
});

Deno.test("read-ahead: a file cut short reports the cut record after every complete one", async () => {
  const recs = bigRecords();
  const bytes = bigPcap();
  const offs: number[] = [24];
  for (const r of recs) offs.push(offs[offs.length - 1] + 16 + r.data.length);
  const want = await collectFrames(CaptureFileReader.fromBytes(bytes));
  await withTempDir(async (dir) => {
    // Cuts: inside a header, inside a 256 KiB record, inside the 3 MiB one,
    // one byte before the end, and exactly at record boundaries.
    const cuts = [
      offs[3] + 7,
      offs[2] + 16 + 200000,
      offs[12] + 16 + 3 * 1024 * 1024 - 1,
      bytes.length - 1,
      offs[9],
      offs[13],
    ];
    for (const cut of cuts) {
      const path = `${dir}/cut.pcap`;
      await Deno.writeFile(path, bytes.subarray(0, cut));
      const complete = offs.slice(1).filter((end) => end <= cut).length;
      for (const chunkSize of [65536, 1 << 20, undefined]) {
        const what = `cut ${cut}, chunk ${chunkSize}`;
        const r = await CaptureFileReader.open(path, { chunkSize });
        const run = await collectFrames(r, { hold: true });
        r.close();
        assert.equal(run.frames.length, complete, what);
        for (let i = 0; i < complete; i++) {
          assert.ok(sameBytes(run.frames[i].data, want.frames[i].data), `${what}: frame ${i + 1}`);
          assert.equal(run.frames[i].tsNsec, want.frames[i].tsNsec, `${what}: frame ${i + 1}`);
        }
        if (offs.includes(cut)) {
          assert.equal(run.status, NEXT_EOF, what);
        } else {
          assert.equal(run.status, NEXT_ERROR, what);
          assert.equal(run.error?.kind, "truncated", what);
          assert.equal(run.error?.frameNumber, complete + 1, what);
          assert.equal(run.error?.byteOffset, offs[complete], what);
        }
      }
    }
  });
});

Deno.test("read-ahead: a read error inside a record larger than the headroom", async () => {
  const bytes = bigPcap();
  const offs: number[] = [24];
  for (const r of bigRecords()) offs.push(offs[offs.length - 1] + 16 + r.data.length);
  // Fail 100 KB into the 2.5 MiB record (frame 11).
  const failAt = offs[10] + 16 + 100000;
  for (const chunkSize of [4096, 65536]) {
    const reader = eagerReader(bytes, Infinity, failAt);
    const r = await CaptureFileReader.fromReader(reader, "dev.pcap", {
      chunkSize,
      readAhead: true,
    });
    const run = await collectFrames(r, { hold: true });
    assert.equal(run.frames.length, 10);
    assert.equal(run.status, NEXT_ERROR);
    assert.equal(run.error?.kind, "io");
    assert.equal(run.error?.frameNumber, 11);
    assert.equal(run.error?.byteOffset, offs[10]);
    assert.match(run.error?.message ?? "", /device vanished/);
    r.close();
    assert.equal(reader.closes, 1);
  }
});

Deno.test("close() while a read (ahead or direct) fails or succeeds later", async () => {
  for (const readAhead of [true, false]) {
    for (const outcome of ["reject", "resolve", "null"] as const) {
      await closeWhileReading(readAhead, outcome);
    }
  }
});

async function closeWhileReading(readAhead: boolean, outcome: "reject" | "resolve" | "null") {
  const what = `${outcome}, readAhead ${readAhead}`;
  {
    let settle: () => void = () => {};
    let reads = 0;
    const reader: ByteReader = {
      read(p: Uint8Array): Promise<number | null> {
        reads++;
        if (reads === 1) {
          p.set(buildPcap({}, [{ tsSec: 1, tsFrac: 2, data: patternBytes(30) }]));
          return Promise.resolve(24 + 16 + 30);
        }
        return new Promise((resolve, reject) => {
          settle = () => {
            if (outcome === "reject") reject(new Error("Bad resource ID"));
            else resolve(outcome === "null" ? null : (p.fill(1, 0, 5), 5));
          };
        });
      },
      close() {},
    };
    const r = await CaptureFileReader.fromReader(reader, "x.pcap", { chunkSize: 1024, readAhead });
    const f = new Frame();
    assert.equal(r.next(f), NEXT_FRAME);
    assert.equal(r.next(f), NEXT_NEED_DATA);
    const filling = r.fill(); // as offline_run on Ctrl-C: close() wins the race
    r.close();
    settle();
    assert.equal(await filling, false, what);
    // Closing is not damage: no read error is reported afterwards.
    assert.equal(r.next(f), NEXT_EOF, what);
    assert.equal(r.error, null, what);
    assert.equal(await r.fill(), false);
  }
}

Deno.test("read-ahead: closing a real file early (-c, damage) with a read in flight", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/big.pcap`;
    const bytes = bigPcap();
    await Deno.writeFile(path, bytes);
    for (const chunkSize of [4096, 65536]) {
      const r = await CaptureFileReader.open(path, { chunkSize });
      const f = new Frame();
      let s = r.next(f);
      while (s === NEXT_NEED_DATA && await r.fill()) s = r.next(f);
      assert.equal(s, NEXT_FRAME);
      assert.equal(f.capLen, 60);
      r.close(); // the next chunk is still being read
      assert.equal(await r.fill(), false);
      assert.equal(r.error, null);
    }
    // Close with fill() itself still waiting for the read.
    const r = await CaptureFileReader.open(path, { chunkSize: 65536 });
    const f = new Frame();
    while (r.next(f) !== NEXT_NEED_DATA);
    const filling = r.fill();
    r.close();
    assert.equal(await filling, false);
    assert.equal(r.error, null);
  });
});

Deno.test("fromBytes over a subarray at an odd offset reads the same frames", async () => {
  const bytes = buildPcap({ littleEndian: false }, smallRecords(50));
  const want = await collectFrames(CaptureFileReader.fromBytes(bytes));
  const host = new Uint8Array(bytes.length + 10);
  host.set(bytes, 3);
  const got = await collectFrames(CaptureFileReader.fromBytes(host.subarray(3, 3 + bytes.length)));
  assertSameRun(got, want, "subarray");
});

Deno.test("read-ahead: pipes and standard input are read directly, a FIFO gives the same frames", async () => {
  const stdin = await ByteSource.open("-", 1024);
  assert.equal(stdin.readAhead, false);
  stdin.close();
  const bytes = buildPcap({}, smallRecords(300));
  const want = await collectFrames(CaptureFileReader.fromBytes(bytes));
  await withTempDir(async (dir) => {
    const fifo = `${dir}/fifo`;
    const mk = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.equal(mk.code, 0);
    const write = async () => {
      const w = await Deno.open(fifo, { write: true });
      // In pieces, so the reader sees short reads.
      for (let o = 0; o < bytes.length; o += 777) {
        await w.write(bytes.subarray(o, Math.min(bytes.length, o + 777)));
      }
      w.close();
    };
    // A FIFO is not a regular file: no read-ahead.
    let writing = write();
    const src = await ByteSource.open(fifo, 4096);
    assert.equal(src.readAhead, false);
    const seen: number[] = [];
    while (await src.fill()) {
      seen.push(...src.buf.subarray(src.pos, src.end));
      src.pos = src.end;
    }
    src.close();
    await writing;
    assert.ok(sameBytes(Uint8Array.from(seen), bytes));
    writing = write();
    const r = await CaptureFileReader.open(fifo, { chunkSize: 4096 });
    assertSameRun(await collectFrames(r, { hold: true }), want, "fifo");
    r.close();
    await writing;
  });
});

Deno.test("read-ahead: netscope -r on a >2 MiB file cut short analyses what came before and exits 3", async () => {
  const recs = Array.from({ length: 3000 }, (_, i) => ({
    tsSec: 1_700_000_000 + (i >> 4),
    tsFrac: (i * 997) % 1_000_000,
    data: patternBytes(1000 + (i % 500), i),
  }));
  const bytes = buildPcap({}, recs);
  assert.ok(bytes.length > 3 << 20);
  const offs: number[] = [24];
  for (const r of recs) offs.push(offs[offs.length - 1] + 16 + r.data.length);
  const cut = offs[2500] + 16 + 300; // inside packet 2501, in the second 2 MiB chunk
  let captured = 0;
  for (let i = 0; i < 2500; i++) captured += recs[i].data.length;
  await withTempDir(async (dir) => {
    const path = `${dir}/cut.pcap`;
    await Deno.writeFile(path, bytes.subarray(0, cut));
    const main = new URL("../../main.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, "-r", path, "--quiet", "--json"],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 3, stderr);
    assert.match(stderr, new RegExp(`packet 2501 at byte offset ${offs[2500]} is cut short`));
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    const summary = JSON.parse(lines[lines.length - 1]);
    assert.equal(summary.type, "summary");
    assert.equal(summary.packets, 2500);
    assert.equal(summary.bytes_captured, captured);
  });
});

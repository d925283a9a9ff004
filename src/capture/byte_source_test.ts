import assert from "node:assert/strict";
import { type ByteReader, ByteSource } from "./byte_source.ts";
import { CaptureFileError } from "./capture_file_error.ts";
import { CaptureFileReader } from "./capture_file_reader.ts";
import { NEXT_ERROR } from "./read_status.ts";
import { buildPcap, collectFrames, patternBytes } from "./capture_test_support.ts";

/** Serves `bytes` in reads of at most `step` bytes; counts reads and closes. */
class StepReader implements ByteReader {
  pos = 0;
  reads = 0;
  closes = 0;
  constructor(readonly bytes: Uint8Array, readonly step: number, readonly failAt = -1) {}
  read(p: Uint8Array): Promise<number | null> {
    this.reads++;
    if (this.failAt >= 0 && this.pos >= this.failAt) {
      return Promise.reject(new Error("device vanished"));
    }
    if (this.pos >= this.bytes.length) return Promise.resolve(null);
    let n = Math.min(p.length, this.step, this.bytes.length - this.pos);
    if (this.failAt >= 0) n = Math.min(n, this.failAt - this.pos);
    p.set(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return Promise.resolve(n);
  }
  close(): void {
    this.closes++;
  }
}

Deno.test("fill reads until `need` bytes are available, then compacts the tail to the front", async () => {
  const data = patternBytes(100);
  const r = new StepReader(data, 10);
  const src = new ByteSource(r, 64);
  src.need = 25;
  assert.equal(await src.fill(), true);
  assert.equal(src.available, 30); // three 10-byte reads
  assert.equal(r.reads, 3);
  src.pos = 27; // parser consumed 27 bytes; 3 left
  src.need = 10;
  assert.equal(await src.fill(), true);
  assert.equal(src.pos, 0);
  assert.equal(src.base, 27);
  assert.deepEqual(src.buf.subarray(0, src.end), data.subarray(27, 27 + src.end));
  assert.ok(src.available >= 10);
  assert.equal(src.bytesRead, 27 + src.end);
});

Deno.test("the buffer grows only when full of one pending record", async () => {
  const data = patternBytes(300);
  const src = new ByteSource(new StepReader(data, 1000), 64);
  src.need = 200; // record of 200 bytes, buffer 64
  await src.fill();
  assert.equal(src.buf.length, 64); // first fill reads into the free room
  assert.equal(src.available, 64);
  await src.fill();
  assert.ok(src.buf.length >= 128 && src.buf.length <= 200, `${src.buf.length}`);
  while (src.available < 200) await src.fill();
  assert.equal(src.buf.length, 200); // capped at the record size
  assert.deepEqual(src.buf.subarray(0, 200), data.subarray(0, 200));
  // A claimed 1 GiB record on a 300-byte input: memory follows the data.
  const small = new ByteSource(new StepReader(data, 1000), 64);
  small.need = 1 << 30;
  while (await small.fill()) { /* read to the end */ }
  assert.equal(small.eof, true);
  assert.ok(small.buf.length <= 4096, `${small.buf.length}`);
});

Deno.test("a small first buffer doubles while reads keep filling it (pipe, growing file)", async () => {
  const data = patternBytes(100000);
  const src = new ByteSource(new StepReader(data, 1 << 20), 65536, 4096);
  assert.equal(src.buf.length, 4096);
  for (let i = 0; i < 6; i++) {
    src.pos = src.end; // consume everything
    await src.fill();
  }
  assert.ok(src.buf.length > 4096 && src.buf.length <= 65536, `${src.buf.length}`);
});

Deno.test("end of input: fill resolves false and stays false", async () => {
  const src = new ByteSource(new StepReader(patternBytes(5), 100), 64);
  assert.equal(await src.fill(), true);
  assert.equal(src.available, 5);
  assert.equal(src.eof, false); // `need` (1 byte) was met: no further read yet
  assert.equal(await src.fill(), false);
  assert.equal(src.eof, true);
  assert.equal(await src.fill(), false);
  assert.equal(src.available, 5);
  const mem = ByteSource.fromBytes(patternBytes(10));
  assert.equal(mem.available, 10);
  assert.equal(await mem.fill(), false);
});

Deno.test("a read error ends the input; frames before it are delivered, then an io error", async () => {
  const recs = [0, 1, 2].map((i) => ({ tsSec: i, tsFrac: 0, data: patternBytes(40, i) }));
  const bytes = buildPcap({}, recs);
  // Fail after the header and 1.5 records.
  const failAt = 24 + 56 + 30;
  const reader = new StepReader(bytes, 16, failAt);
  const r = await CaptureFileReader.fromReader(reader, "dev.pcap", { chunkSize: 64 });
  const run = await collectFrames(r);
  assert.equal(run.frames.length, 1);
  assert.equal(run.status, NEXT_ERROR);
  assert.equal(run.error?.kind, "io");
  assert.equal(run.error?.frameNumber, 2);
  assert.equal(run.error?.byteOffset, 80);
  assert.equal(
    run.error?.message,
    'Cannot read "dev.pcap": packet 2 at byte offset 80 could not be read (device vanished)',
  );
  r.close();
  r.close();
  assert.equal(reader.closes, 1);
});

Deno.test("open: a missing file or a directory is an io error", async () => {
  await assert.rejects(
    ByteSource.open("/nonexistent/x.pcap"),
    (e: unknown) =>
      e instanceof CaptureFileError && e.kind === "io" &&
      e.message === 'Cannot open "/nonexistent/x.pcap": no such file or directory',
  );
  await assert.rejects(
    ByteSource.open("src"),
    (e: unknown) =>
      e instanceof CaptureFileError && e.kind === "io" &&
      e.message === 'Cannot open "src": is a directory',
  );
});

Deno.test("open: a small regular file gets a small buffer, a chunk size caps it", async () => {
  const src = await ByteSource.open("tests/fixtures/802.1ad_QinQ.pcap");
  assert.equal(src.buf.length, 4096);
  assert.equal(await src.fill(), true);
  assert.equal(src.available, 184);
  src.close();
  const big = await ByteSource.open("tests/fixtures/example.pcap", 1 << 20);
  assert.equal(big.buf.length, 1 << 20);
  big.close();
  assert.throws(() => new ByteSource(null, 0), RangeError);
});

import assert from "node:assert/strict";
import { ByteSource } from "./byte_source.ts";
import { CaptureFileError } from "./capture_file_error.ts";
import { CaptureFileReader } from "./capture_file_reader.ts";
import { NEXT_ERROR } from "./read_status.ts";
import { buildPcap, collectFrames, patternBytes, StepReader } from "./capture_test_support.ts";

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

Deno.test("open: a small regular file gets a small buffer; a larger one is read ahead", async () => {
  const src = await ByteSource.open("tests/fixtures/802.1ad_QinQ.pcap");
  assert.equal(src.readAhead, false);
  assert.equal(src.buf.length, 4096);
  assert.equal(await src.fill(), true);
  assert.equal(src.available, 184);
  src.close();
  // example.pcap is larger than a 64 KiB chunk: two buffers of headroom + chunk.
  const path = "tests/fixtures/example.pcap";
  const size = Deno.statSync(path).size;
  assert.ok(size > 1 << 16);
  const big = await ByteSource.open(path, 1 << 16);
  assert.equal(big.readAhead, true);
  assert.equal(big.buf.length, 2 << 16);
  const bytes = Deno.readFileSync(path);
  let consumed = 0;
  while (await big.fill()) {
    // What is available continues the file where the consumed part ended.
    assert.equal(big.base + big.pos, consumed);
    assert.deepEqual(
      big.buf.subarray(big.pos, big.end),
      bytes.subarray(consumed, big.base + big.end),
    );
    // Consume all but a partial "record" of up to 1000 bytes.
    const keep = Math.min(big.available, (consumed * 7) % 1000);
    consumed = big.base + big.end - keep;
    big.pos = big.end - keep;
  }
  assert.equal(big.bytesRead, size);
  assert.equal(big.eof, true);
  big.close();
  assert.throws(() => new ByteSource(null, 0), RangeError);
});

Deno.test("read-ahead: the next chunk is being read while the current one is parsed", async () => {
  const data = patternBytes(1000);
  const r = new StepReader(data, 1000);
  const src = new ByteSource(r, 100, undefined, true);
  assert.equal(await src.fill(), true);
  // One read delivered the first chunk, a second one is already under way.
  assert.equal(r.reads, 2);
  assert.equal(src.available, 100);
  assert.deepEqual(src.buf.subarray(src.pos, src.end), data.subarray(0, 100));
  src.pos += 60; // 40 bytes of a partial record stay
  assert.equal(await src.fill(), true);
  assert.equal(r.reads, 3);
  assert.equal(src.available, 140);
  assert.equal(src.base + src.pos, 60);
  assert.deepEqual(src.buf.subarray(src.pos, src.end), data.subarray(60, 200));
  src.close();
  assert.equal(r.closes, 1);
  assert.equal(await src.fill(), false);
});

Deno.test("read-ahead: a record larger than the headroom is gathered over several chunks", async () => {
  const data = patternBytes(5000, 3);
  const src = new ByteSource(new StepReader(data, 7), 64, undefined, true);
  src.need = 1;
  await src.fill();
  src.pos += 10;
  src.need = 3000; // headroom is 64 bytes: the record is appended, chunk by chunk
  while (src.available < src.need) assert.equal(await src.fill(), true);
  assert.deepEqual(src.buf.subarray(src.pos, src.pos + 3000), data.subarray(10, 3010));
  assert.equal(src.base + src.pos, 10);
  // Memory follows the data, not the claimed length.
  assert.ok(src.buf.length < 2 * 3064, `${src.buf.length}`);
  src.pos += 3000;
  src.need = 1;
  let seen = 3010;
  while (await src.fill()) {
    assert.deepEqual(src.buf.subarray(src.pos, src.end), data.subarray(seen, src.base + src.end));
    seen = src.base + src.end;
    src.pos = src.end;
  }
  assert.equal(seen, 5000);
  assert.equal(src.bytesRead, 5000);
});

Deno.test("read-ahead: a read error ends the input after the bytes before it", async () => {
  const recs = [0, 1, 2].map((i) => ({ tsSec: i, tsFrac: 0, data: patternBytes(40, i) }));
  const bytes = buildPcap({}, recs);
  const reader = new StepReader(bytes, 16, 24 + 56 + 30);
  const r = await CaptureFileReader.fromReader(reader, "dev.pcap", {
    chunkSize: 64,
    readAhead: true,
  });
  const run = await collectFrames(r);
  assert.equal(run.frames.length, 1);
  assert.equal(run.status, NEXT_ERROR);
  assert.equal(run.error?.kind, "io");
  assert.equal(run.error?.byteOffset, 80);
  r.close();
  assert.equal(reader.closes, 1);
});

Deno.test("read-ahead: close() with a read under way", async () => {
  let release: (n: number | null) => void = () => {};
  let reads = 0;
  const reader = {
    read(p: Uint8Array): Promise<number | null> {
      reads++;
      if (reads === 1) {
        p.set(patternBytes(10));
        return Promise.resolve(10);
      }
      return new Promise((resolve) => (release = resolve)); // never answered before close()
    },
  };
  const src = new ByteSource(reader, 32, undefined, true);
  assert.equal(await src.fill(), true);
  assert.equal(reads, 2);
  src.pos = src.end;
  const filling = src.fill();
  src.close();
  release(5);
  assert.equal(await filling, false);
  assert.equal(src.eof, true);
});

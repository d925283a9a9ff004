import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CaptureFileReader, detectFormat } from "./capture_file_reader.ts";
import { CaptureFileError } from "./capture_file_error.ts";
import { Frame } from "./frame.ts";
import { NEXT_EOF, NEXT_ERROR, NEXT_FRAME, NEXT_NEED_DATA } from "./read_status.ts";
import { type CollectedRun, collectFrames, PcapngBuilder } from "./capture_test_support.ts";
import { tsharkFields } from "../../tests/_tshark.ts";

const FIXTURES = new URL("../../tests/fixtures/", import.meta.url);

function fixtureNames(): string[] {
  const names: string[] = [];
  for (const e of Deno.readDirSync(FIXTURES)) {
    if (e.isFile && /\.(pcap|pcapng)$/.test(e.name)) names.push(e.name);
  }
  return names.sort();
}

/** Files tshark cannot read at all (it reports no frames); we refuse them too. */
const UNREADABLE = new Set(["pcap-invalid-version-1.pcap"]);

interface TsharkRow {
  number: number;
  sec: number;
  nsec: number;
  ifId: string;
  capLen: number;
  wireLen: number;
  md5: string;
}

/** Runs tshark over `path`: one row per frame, plus whether tshark reported an error. */
async function tshark(path: string): Promise<{ rows: TsharkRow[]; ok: boolean; stderr: string }> {
  const out = await tsharkFields(path, [
    "frame.number",
    "frame.time_epoch",
    "frame.interface_id",
    "frame.cap_len",
    "frame.len",
    "frame.md5_hash",
  ], { prefs: { "frame.generate_md5_hash": "TRUE" } });
  const rows: TsharkRow[] = [];
  for (const row of out.rows) {
    const [num, epoch, ifId, cap, len, md5] = row.map((occ) => occ.join(","));
    // tshark prints seconds "." nanoseconds zero-padded to 9 digits, without
    // normalising a nanosecond field >= 10^9 (fuzz-2021-10-13.pcap has one).
    const [s, frac] = epoch.split(".");
    const ns = Number(frac);
    rows.push({
      number: Number(num),
      sec: Number(s) + Math.floor(ns / 1e9),
      nsec: ns % 1e9,
      ifId,
      capLen: Number(cap),
      wireLen: Number(len),
      md5,
    });
  }
  return { rows, ok: out.code === 0, stderr: out.stderr };
}

function epochString(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, "0")}`;
}

async function readFixture(name: string, chunkSize?: number): Promise<CollectedRun> {
  const r = await CaptureFileReader.open(new URL(name, FIXTURES).pathname, { chunkSize });
  try {
    return await collectFrames(r);
  } finally {
    r.close();
  }
}

Deno.test("every fixture matches tshark: frame count, timestamps, interface, lengths, bytes", async () => {
  const names = fixtureNames();
  assert.ok(names.length >= 39, `only ${names.length} fixtures`);
  // tshark runs 4 at a time; each takes a few hundred milliseconds.
  const results: Awaited<ReturnType<typeof tshark>>[] = [];
  let next = 0;
  await Promise.all([0, 1, 2, 3].map(async () => {
    while (next < names.length) {
      const k = next++;
      results[k] = await tshark(new URL(names[k], FIXTURES).pathname);
    }
  }));
  for (let k = 0; k < names.length; k++) {
    const name = names[k];
    const ts = results[k];
    if (UNREADABLE.has(name)) {
      assert.equal(ts.rows.length, 0);
      assert.equal(ts.ok, false);
      await assert.rejects(
        readFixture(name),
        (e: unknown) => e instanceof CaptureFileError && e.kind === "not-capture",
      );
      continue;
    }
    const run = await readFixture(name);
    assert.equal(run.frames.length, ts.rows.length, `${name}: frame count`);
    // tshark fails exactly where we report an error.
    assert.equal(run.status === NEXT_EOF, ts.ok, `${name}: ${ts.stderr} / ${run.error?.message}`);
    const isNg = detectFormat(Deno.readFileSync(new URL(name, FIXTURES)).subarray(0, 4)) ===
      "pcapng";
    for (let i = 0; i < run.frames.length; i++) {
      const f = run.frames[i];
      const t = ts.rows[i];
      const where = `${name} frame ${i + 1}`;
      assert.equal(f.number, t.number, where);
      assert.equal(epochString(f.tsSec, f.tsNsec), epochString(t.sec, t.nsec), where);
      // tshark leaves interface_id empty for pcap; single-section files here.
      assert.equal(String(f.ifIndex), isNg ? t.ifId : "0", where);
      if (!isNg) assert.equal(t.ifId, "", where);
      assert.equal(f.capLen, t.capLen, where);
      assert.equal(f.wireLen, t.wireLen, where);
      assert.equal(createHash("md5").update(f.data).digest("hex"), t.md5, where);
    }
  }
});

Deno.test("fuzz-2021-10-13.pcap: 1 frame, then a truncation error naming packet 2 at offset 237", async () => {
  const run = await readFixture("fuzz-2021-10-13.pcap");
  assert.equal(run.frames.length, 1);
  // Version 2.0: caplen and len are swapped on disk (as tshark reads it).
  assert.deepEqual([run.frames[0].capLen, run.frames[0].wireLen], [197, 524501]);
  assert.equal(run.frames[0].linkType, 0); // 0x40000000: upper bits masked
  assert.equal(run.status, NEXT_ERROR);
  const e = run.error!;
  assert.equal(e.kind, "truncated");
  assert.equal(e.frameNumber, 2);
  assert.equal(e.byteOffset, 237);
  assert.equal(
    e.message,
    `Cannot read "${
      new URL("fuzz-2021-10-13.pcap", FIXTURES).pathname
    }": packet 2 at byte offset 237 is cut short (record header is 16 bytes, 2 present)`,
  );
});

Deno.test("pcap fixtures: record offsets chain from byte 24 to the end of the file", async () => {
  for (const name of ["example.pcap", "pptp.pcap", "tcp-handshake-nano.pcap", "timestamp.pcap"]) {
    const run = await readFixture(name);
    let off = 24;
    for (const f of run.frames) {
      assert.equal(f.fileOffset, off, name);
      off += 16 + f.capLen;
    }
    assert.equal(off, Deno.statSync(new URL(name, FIXTURES)).size, name);
  }
});

Deno.test("pcapng fixtures: interfaces and link types (pcapng-example: Ethernet ns + SLL us)", async () => {
  const r = await CaptureFileReader.open(new URL("pcapng-example.pcapng", FIXTURES).pathname);
  assert.equal(r.format, "pcapng");
  const run = await collectFrames(r);
  r.close();
  assert.deepEqual(
    r.interfaces.map((i) => [i.index, i.linkType, i.name, i.tsresol]),
    [[0, 1, "lo", 9], [1, 113, "", 6]], // capinfos: interface 1 has no name
  );
  assert.equal(r.linkType, 1);
  const byIf = [0, 0];
  for (const f of run.frames) {
    byIf[f.ifIndex]++;
    assert.equal(f.linkType, f.ifIndex === 0 ? 1 : 113);
  }
  assert.deepEqual(byIf, [59, 100]);
});

Deno.test("the format comes from the bytes: IcmpPackets.pcap is pcapng", async () => {
  const r = await CaptureFileReader.open(new URL("IcmpPackets.pcap", FIXTURES).pathname);
  assert.equal(r.format, "pcapng");
  assert.equal((await collectFrames(r)).frames.length, 15);
  r.close();
});

Deno.test("every fixture reads the same with 64-byte chunks as with the default", async () => {
  for (const name of fixtureNames()) {
    if (UNREADABLE.has(name)) continue;
    const a = await readFixture(name);
    const b = await readFixture(name, 64);
    assert.deepEqual(b.frames, a.frames, name);
    assert.equal(b.status, a.status, name);
    assert.equal(b.error?.message, a.error?.message, name);
    assert.ok(b.fills > a.fills || a.frames.length < 2, name);
  }
});

Deno.test("not a capture: text, empty and tiny files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string, Uint8Array, string][] = [
      [
        "x.txt",
        new TextEncoder().encode("Hello, world\n"),
        "not a pcap or pcapng file (first bytes 0x48 0x65 0x6c 0x6c)",
      ],
      ["empty.pcap", new Uint8Array(0), "file is empty"],
      ["tiny.pcap", Uint8Array.of(0xd4, 0xc3), "not a pcap or pcapng file (first bytes 0xd4 0xc3)"],
    ];
    for (const [file, bytes, detail] of cases) {
      const path = `${dir}/${file}`;
      await Deno.writeFile(path, bytes);
      await assert.rejects(
        CaptureFileReader.open(path),
        (e: unknown) =>
          e instanceof CaptureFileError && e.kind === "not-capture" &&
          e.message === `Cannot read ${JSON.stringify(path)}: ${detail}` && e.path === path,
      );
    }
    // A pcap header cut short.
    const path = `${dir}/short.pcap`;
    await Deno.writeFile(path, Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0));
    await assert.rejects(
      CaptureFileReader.open(path),
      (e: unknown) =>
        e instanceof CaptureFileError && e.kind === "truncated" &&
        /pcap file header is cut short \(24 bytes expected, 10 present\)$/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(detectFormat(Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a)), "pcapng");
  assert.equal(detectFormat(Uint8Array.of(0xa1, 0xb2, 0x3c, 0x4d)), "pcap");
  assert.equal(detectFormat(Uint8Array.of(0xa1, 0xb2, 0x3c)), null);
});

Deno.test("the lead's loop over a file: counters and frame fields", async () => {
  const path = new URL("tls_with_huge_ch.pcapng", FIXTURES).pathname;
  const r = await CaptureFileReader.open(path, { chunkSize: 4096 });
  const f = new Frame();
  let n = 0;
  let bytes = 0;
  for (;;) {
    const s = r.next(f);
    if (s === NEXT_FRAME) {
      n++;
      bytes += f.capLen;
      assert.equal(f.number, n);
      assert.ok(f.offset + f.capLen <= f.buf.length);
    } else if (s === NEXT_NEED_DATA) {
      await r.fill();
    } else break;
  }
  r.close();
  assert.equal(r.error, null);
  assert.equal(n, 428);
  assert.equal(r.framesRead, 428);
  assert.equal(r.bytesRead, Deno.statSync(path).size);
  assert.ok(bytes > 0);
  assert.equal(r.interfaces[0].tsresol, 9);
});

Deno.test('standard input ("-") in a subprocess reads the same frames as the file', async () => {
  const mod = new URL("./capture_file_reader.ts", import.meta.url).href;
  const frameMod = new URL("./frame.ts", import.meta.url).href;
  const script = `
    import { CaptureFileReader, NEXT_FRAME, NEXT_NEED_DATA } from "${mod}";
    import { Frame } from "${frameMod}";
    const r = await CaptureFileReader.open("-", { chunkSize: 1000 });
    const f = new Frame();
    const out = [];
    for (;;) {
      const s = r.next(f);
      if (s === NEXT_FRAME) out.push([f.number, f.tsSec, f.tsNsec, f.capLen, f.fileOffset]);
      else if (s === NEXT_NEED_DATA) await r.fill();
      else break;
    }
    console.log(JSON.stringify({ format: r.format, out, error: r.error?.message ?? null }));
  `;
  for (const name of ["sll.pcap", "pcapng-example.pcapng", "fuzz-2021-10-13.pcap"]) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-check", script],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const file = await Deno.open(new URL(name, FIXTURES));
    await file.readable.pipeTo(child.stdin);
    const result = await child.output();
    assert.ok(result.success, new TextDecoder().decode(result.stderr));
    const got = JSON.parse(new TextDecoder().decode(result.stdout));
    const want = await readFixture(name);
    assert.equal(got.format, name.endsWith("ng") ? "pcapng" : "pcap");
    assert.deepEqual(
      got.out,
      want.frames.map((f) => [f.number, f.tsSec, f.tsNsec, f.capLen, f.fileOffset]),
      name,
    );
    assert.equal(
      got.error,
      want.error?.message.replace(/^Cannot read "[^"]*"/, "Cannot read standard input") ?? null,
    );
  }
});

Deno.test("fromBytes never asks for data; open() primes pcapng interfaces", async () => {
  const bytes = new PcapngBuilder().shb().idb({ linkType: 228, name: "x" }).build();
  const r = CaptureFileReader.fromBytes(bytes);
  assert.equal(r.linkType, 228);
  assert.equal(r.interfaces[0].name, "x");
  const f = new Frame();
  assert.equal(r.next(f), NEXT_EOF);
  assert.equal(await r.fill(), false);
});

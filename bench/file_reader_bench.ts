/**
 * Capture file reader throughput: raw record walking (no decoding) over
 * 100,000 small frames. ns/frame = time/iter ÷ 100,000.
 *
 * - in memory (`fromBytes`): pure record walk, pcap µs and pcapng EPB ns;
 * - from a temporary file (8 MB): walk plus async reads, with the default
 *   chunk (read ahead: the next chunk is read while the current one is
 *   walked) and with reads awaited one by one, for comparison. With nothing
 *   to overlap (no decoding), this shows the cost of the reads themselves
 *   and of each `fill()`.
 *
 * Run: deno bench --allow-read --allow-write bench/file_reader_bench.ts
 *
 * @module
 */

import { CaptureFileReader } from "../src/capture/capture_file_reader.ts";
import { Frame } from "../src/capture/frame.ts";
import { NEXT_FRAME, NEXT_NEED_DATA } from "../src/capture/read_status.ts";
import {
  buildPcap,
  patternBytes,
  PcapngBuilder,
  type PcapRecordSpec,
} from "../src/capture/capture_test_support.ts";

const FRAMES = 100_000;

function makePcap(): Uint8Array {
  const recs: PcapRecordSpec[] = [];
  for (let i = 0; i < FRAMES; i++) {
    recs.push({
      tsSec: 1700000000 + (i >> 10),
      tsFrac: (i * 997) % 1000000,
      data: patternBytes(60 + (i & 31), i),
    });
  }
  return buildPcap({ snaplen: 262144 }, recs);
}

function makePcapng(): Uint8Array {
  const b = new PcapngBuilder().shb().idb({ tsresol: 9, snaplen: 262144 });
  const base = 1700000000n * 1000000000n;
  for (let i = 0; i < FRAMES; i++) {
    const t = base + BigInt(i) * 1234567n;
    b.epb({
      tsHi: Number(t >> 32n),
      tsLo: Number(t & 0xffffffffn),
      data: patternBytes(60 + (i & 31), i),
    });
  }
  return b.build();
}

const pcap = makePcap();
const pcapng = makePcapng();
const pcapPath = Deno.makeTempFileSync({ suffix: ".pcap" });
Deno.writeFileSync(pcapPath, pcap);
globalThis.addEventListener("unload", () => Deno.removeSync(pcapPath));

const frame = new Frame();

function walkMemory(bytes: Uint8Array): void {
  const r = CaptureFileReader.fromBytes(bytes);
  let n = 0;
  let sum = 0;
  while (r.next(frame) === NEXT_FRAME) {
    n++;
    sum += frame.capLen + frame.tsNsec;
  }
  if (n !== FRAMES || sum === 0) throw new Error(`walked ${n} frames`);
}

Deno.bench("pcap µs, 100k frames in memory (ns/frame = time ÷ 1e5)", () => {
  walkMemory(pcap);
});

Deno.bench("pcapng EPB ns, 100k frames in memory (ns/frame = time ÷ 1e5)", () => {
  walkMemory(pcapng);
});

async function walkReader(r: CaptureFileReader): Promise<void> {
  let n = 0;
  for (;;) {
    const s = r.next(frame);
    if (s === NEXT_FRAME) n++;
    else if (s === NEXT_NEED_DATA) await r.fill();
    else break;
  }
  r.close();
  if (n !== FRAMES) throw new Error(`walked ${n} frames`);
}

Deno.bench(
  "pcap µs, 100k frames from a file, 1 MiB chunks read ahead (ns/frame = time ÷ 1e5)",
  async () => {
    await walkReader(await CaptureFileReader.open(pcapPath, { chunkSize: 1 << 20 }));
  },
);

Deno.bench(
  "pcap µs, 100k frames from a file, 1 MiB chunks read in turn (ns/frame = time ÷ 1e5)",
  async () => {
    const file = await Deno.open(pcapPath);
    await walkReader(await CaptureFileReader.fromReader(file, pcapPath, { chunkSize: 1 << 20 }));
  },
);

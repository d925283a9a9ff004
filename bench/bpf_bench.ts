/**
 * BPF filter cost per packet for "tcp port 80" over 1,024 real frames
 * (the first 1,024 of tests/fixtures/example.pcap, laid out back to back in
 * one buffer like a reader's chunk). ns/packet = time/iter ÷ 1,024.
 *
 * - generated JS, "blocks" shape (what compileFilter uses) and "switch" shape;
 * - the TS interpreter (the tests' reference);
 * - libpcap's own `bpf_filter` called through FFI per packet (with --allow-ffi).
 *
 * Run: deno bench --allow-read --allow-ffi bench/bpf_bench.ts
 * Without --allow-ffi the program is the one below, as `tcpdump -dd` prints it.
 *
 * @module
 */

import { loadLibpcap } from "../ffi/libpcap.ts";
import { compileBpfFunction, compileBpfPredicate } from "../src/capture/bpf_codegen.ts";
import { runBpf } from "../src/capture/bpf_interpreter.ts";
import {
  type BpfInsn,
  type BpfProgram,
  bpfProgramFrom,
  compileBpfProgram,
  encodeBpfInstructions,
} from "../src/capture/bpf_program.ts";
import { walkCapture } from "../src/capture/_test_pcap_walk.ts";

const FRAMES = 1024;
const EXPRESSION = "tcp port 80";

/** `tcpdump -dd "tcp port 80"` on Ethernet (libpcap 1.10, snaplen 262144). */
const TCP_PORT_80: BpfInsn[] = [
  [0x28, 0, 0, 0x0000000c],
  [0x15, 0, 6, 0x000086dd],
  [0x30, 0, 0, 0x00000014],
  [0x15, 0, 15, 0x00000006],
  [0x28, 0, 0, 0x00000036],
  [0x15, 12, 0, 0x00000050],
  [0x28, 0, 0, 0x00000038],
  [0x15, 10, 11, 0x00000050],
  [0x15, 0, 10, 0x00000800],
  [0x30, 0, 0, 0x00000017],
  [0x15, 0, 8, 0x00000006],
  [0x28, 0, 0, 0x00000014],
  [0x45, 6, 0, 0x00001fff],
  [0xb1, 0, 0, 0x0000000e],
  [0x48, 0, 0, 0x0000000e],
  [0x15, 2, 0, 0x00000050],
  [0x48, 0, 0, 0x00000010],
  [0x15, 0, 1, 0x00000050],
  [0x06, 0, 0, 0x00040000],
  [0x06, 0, 0, 0x00000000],
];

const ffi = Deno.permissions.querySync({ name: "ffi" }).state === "granted";
const program: BpfProgram = ffi ? compileBpfProgram(EXPRESSION, 1) : bpfProgramFrom(TCP_PORT_80);

// Frames back to back in one buffer.
const records = walkCapture(
  Deno.readFileSync(new URL("../tests/fixtures/example.pcap", import.meta.url)),
)!.records.slice(0, FRAMES);
let total = 0;
for (const r of records) total += r.capLen;
const buf = new Uint8Array(total);
const offs = new Int32Array(FRAMES);
const caps = new Int32Array(FRAMES);
const wires = new Int32Array(FRAMES);
{
  let o = 0;
  records.forEach((r, i) => {
    buf.set(r.data, o);
    offs[i] = o;
    caps[i] = r.capLen;
    wires[i] = r.wireLen;
    o += r.capLen;
  });
}

const blocks = compileBpfPredicate(program, { style: "blocks" });
const loop = compileBpfPredicate(program, { style: "switch" });
const values = compileBpfFunction(program);

let matches = 0;
for (let i = 0; i < FRAMES; i++) if (blocks(buf, offs[i], caps[i], wires[i])) matches++;
console.log(`${EXPRESSION}: ${matches} of ${FRAMES} frames match`);

let sink = 0;

Deno.bench(
  `generated JS (blocks), ${FRAMES} pkts`,
  { group: "tcp port 80", baseline: true },
  () => {
    let n = 0;
    for (let i = 0; i < FRAMES; i++) if (blocks(buf, offs[i], caps[i], wires[i])) n++;
    sink += n;
  },
);

Deno.bench(`generated JS (switch), ${FRAMES} pkts`, { group: "tcp port 80" }, () => {
  let n = 0;
  for (let i = 0; i < FRAMES; i++) if (loop(buf, offs[i], caps[i], wires[i])) n++;
  sink += n;
});

Deno.bench(`generated JS returning u32, ${FRAMES} pkts`, { group: "tcp port 80" }, () => {
  let n = 0;
  for (let i = 0; i < FRAMES; i++) if (values(buf, offs[i], caps[i], wires[i]) !== 0) n++;
  sink += n;
});

Deno.bench(`TS interpreter, ${FRAMES} pkts`, { group: "tcp port 80" }, () => {
  let n = 0;
  for (let i = 0; i < FRAMES; i++) if (runBpf(program, buf, offs[i], caps[i], wires[i]) !== 0) n++;
  sink += n;
});

if (ffi) {
  const bpfFilter = loadLibpcap().symbols.bpf_filter;
  const insns = encodeBpfInstructions(program);
  const views = records.map((_, i) => buf.subarray(offs[i], offs[i] + caps[i] + 1));
  if (bpfFilter !== null) {
    Deno.bench(`libpcap bpf_filter via FFI, ${FRAMES} pkts`, { group: "tcp port 80" }, () => {
      let n = 0;
      for (let i = 0; i < FRAMES; i++) if (bpfFilter(insns, views[i], wires[i], caps[i]) !== 0) n++;
      sink += n;
    });
  }
}

globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});

import assert from "node:assert/strict";
import { loadLibpcap } from "../../ffi/libpcap.ts";
import { runBpf } from "./bpf_interpreter.ts";
import {
  type BpfProgram,
  bpfProgramFrom,
  compileBpfProgram,
  encodeBpfInstructions,
} from "./bpf_program.ts";
import { BPF_CASES, FUZZ_EXPRESSIONS, fuzzPackets } from "./_test_bpf_cases.ts";

/** libpcap's own interpreter, through FFI (reference only). */
function libpcapFilter(prog: BpfProgram, pkt: Uint8Array, capLen: number, wireLen: number) {
  const bpfFilter = loadLibpcap().symbols.bpf_filter;
  assert.ok(bpfFilter !== null, "libpcap exports bpf_filter");
  // One spare byte so a zero-length packet is still a valid pointer.
  const copy = new Uint8Array(capLen + 1);
  copy.set(pkt.subarray(0, capLen));
  return bpfFilter(encodeBpfInstructions(prog), copy, wireLen, capLen);
}

Deno.test("interpreter: hand-built programs give libpcap's results", () => {
  for (const c of BPF_CASES) {
    const off = c.off ?? 0;
    const capLen = c.capLen ?? c.packet.length - off;
    const wireLen = c.wireLen ?? capLen;
    const prog = bpfProgramFrom(c.insns);
    const got = runBpf(prog, new Uint8Array(c.packet), off, capLen, wireLen);
    assert.equal(got, c.expected, c.name);
    if (c.libpcap) {
      const pkt = new Uint8Array(c.packet.slice(off));
      assert.equal(libpcapFilter(prog, pkt, capLen, wireLen), c.expected, `${c.name} (libpcap)`);
    }
  }
});

Deno.test("interpreter: runtime refusals return 0 like libpcap's", () => {
  const pkt = new Uint8Array(8);
  // Unknown opcode, running off the end, jump out of range, ld M[16].
  assert.equal(runBpf(bpfProgramFrom([[0xff, 0, 0, 0], [0x06, 0, 0, 1]]), pkt, 0, 8, 8), 0);
  assert.equal(runBpf(bpfProgramFrom([[0x00, 0, 0, 1]]), pkt, 0, 8, 8), 0);
  assert.equal(runBpf(bpfProgramFrom([[0x05, 0, 0, 7], [0x06, 0, 0, 1]]), pkt, 0, 8, 8), 0);
  assert.equal(runBpf(bpfProgramFrom([[0x60, 0, 0, 16], [0x16, 0, 0, 0]]), pkt, 0, 8, 8), 0);
  // capLen larger than the buffer is cut to the buffer.
  assert.equal(runBpf(bpfProgramFrom([[0x30, 0, 0, 8], [0x16, 0, 0, 0]]), pkt, 0, 100, 100), 0);
});

Deno.test("interpreter agrees with libpcap's bpf_filter on mutated packets", () => {
  const packets = fuzzPackets(0x5eed, 4000);
  let accepted = 0;
  for (const expr of FUZZ_EXPRESSIONS) {
    const prog = compileBpfProgram(expr, 1);
    for (const p of packets) {
      const want = libpcapFilter(prog, p.data, p.data.length, p.wireLen);
      const got = runBpf(prog, p.data, 0, p.data.length, p.wireLen);
      if (got !== want) {
        assert.fail(`${expr}: interpreter ${got}, libpcap ${want} on ${Array.from(p.data)}`);
      }
      if (got !== 0) accepted++;
    }
  }
  assert.ok(accepted > 1000, `fuzz packets accepted: ${accepted}`);
});

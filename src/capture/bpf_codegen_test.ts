import assert from "node:assert/strict";
import {
  compileBpfFunction,
  compileBpfPredicate,
  generateBpfSource,
  MAX_BLOCK_LABELS,
} from "./bpf_codegen.ts";
import { runBpf } from "./bpf_interpreter.ts";
import {
  type BpfInsn,
  type BpfProgram,
  bpfProgramFrom,
  compileBpfProgram,
  FilterError,
  hasBackwardJumps,
} from "./bpf_program.ts";
import { BPF_CASES, FUZZ_EXPRESSIONS, fuzzPackets, xorshift32 } from "./_test_bpf_cases.ts";

Deno.test("generated code: hand-built programs give libpcap's results in both shapes", () => {
  for (const c of BPF_CASES) {
    const off = c.off ?? 0;
    const capLen = c.capLen ?? c.packet.length - off;
    const wireLen = c.wireLen ?? capLen;
    const buf = new Uint8Array(c.packet);
    const prog = bpfProgramFrom(c.insns);
    const loop = compileBpfFunction(prog, { style: "switch" });
    assert.equal(loop(buf, off, capLen, wireLen), c.expected, `${c.name} (switch)`);
    if (!hasBackwardJumps(prog)) {
      const blocks = compileBpfFunction(prog, { style: "blocks" });
      assert.equal(blocks(buf, off, capLen, wireLen), c.expected, `${c.name} (blocks)`);
    }
    const pred = compileBpfPredicate(prog);
    assert.equal(pred(buf, off, capLen, wireLen), c.expected !== 0, `${c.name} (predicate)`);
  }
});

Deno.test("generated code: refuses invalid programs", () => {
  const RET0: BpfInsn = [0x06, 0, 0, 0];
  for (
    const insns of [
      [] as BpfInsn[],
      [[0xff, 0, 0, 0], RET0] as BpfInsn[],
      [[0x15, 0, 9, 0], RET0] as BpfInsn[],
      [[0x00, 0, 0, 1]] as BpfInsn[],
    ]
  ) {
    assert.throws(() => compileBpfFunction(bpfProgramFrom(insns)), FilterError);
  }
  const loop = bpfProgramFrom([RET0, [0x05, 0, 0, -2], RET0]);
  assert.throws(
    () => compileBpfFunction(loop, { style: "blocks" }),
    /Cannot generate filter code: backward jumps need the switch style/,
  );
});

Deno.test("generated code: shape and no allocation per call", () => {
  const src = generateBpfSource(compileBpfProgram("tcp port 80", 1));
  assert.match(src, /break L\d+;/);
  assert.doesNotMatch(src, /switch/);
  // Nothing that allocates: no object/array literals, closures, `new`, calls but Math.imul.
  assert.doesNotMatch(src, /\bnew\b|=>|function|\[\s*\]|\{\s*\}|subarray|slice/);
  const chain = generateBpfSource(compileBpfProgram("ip6 protochain 17", 1));
  assert.match(chain, /switch \(pc\)/);
  assert.match(chain, /if \(\+\+bj > bjMax\)/);
  // Unreachable instructions are not emitted: only one "return 0" per load + the final one.
  const pred = generateBpfSource(compileBpfProgram("udp", 1), "boolean");
  assert.match(pred, /return true;/);
  assert.doesNotMatch(pred, /return \d/);
});

/** Copies `data` into a buffer at offset 3 with 0xaa bytes after it. */
function embed(data: Uint8Array): Uint8Array {
  const b = new Uint8Array(data.length + 3 + 16).fill(0xaa);
  b.set(data, 3);
  return b;
}

Deno.test("generated code agrees with the interpreter on mutated packets (fixed seed)", () => {
  const packets = fuzzPackets(0xc0de, 4000).map((p) => ({ ...p, buf: embed(p.data) }));
  let compared = 0;
  for (const expr of FUZZ_EXPRESSIONS) {
    const prog = compileBpfProgram(expr, 1);
    const auto = compileBpfFunction(prog);
    const loop = compileBpfFunction(prog, { style: "switch" });
    const pred = compileBpfPredicate(prog);
    for (const p of packets) {
      const len = p.data.length;
      const want = runBpf(prog, p.buf, 3, len, p.wireLen);
      const a = auto(p.buf, 3, len, p.wireLen);
      const s = loop(p.buf, 3, len, p.wireLen);
      const m = pred(p.buf, 3, len, p.wireLen);
      if (a !== want || s !== want || m !== (want !== 0)) {
        assert.fail(`${expr}: interpreter ${want}, blocks ${a}, switch ${s}, predicate ${m}`);
      }
      compared++;
    }
  }
  assert.equal(compared, FUZZ_EXPRESSIONS.length * 4000);
});

/** Random valid forward-only program of `n` instructions. */
function randomProgram(rnd: () => number, n: number): BpfProgram {
  const LOADS = [0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0xb1, 0x80, 0x81, 0x00, 0x01];
  const MEM = [0x60, 0x61, 0x02, 0x03];
  const ALU_K = [0x04, 0x14, 0x24, 0x34, 0x44, 0x54, 0x64, 0x74, 0x94, 0xa4];
  const ALU_X = [0x0c, 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x9c, 0xac];
  const JMP = [0x15, 0x25, 0x35, 0x45, 0x1d, 0x2d, 0x3d, 0x4d];
  const MISC = [0x07, 0x87, 0x84];
  const pick = (a: number[]) => a[rnd() % a.length];
  const smallK = () => [0, 1, 2, 4, 12, 14, 20, 31, 32, 40][rnd() % 10];
  const anyK = () => (rnd() % 4 === 0 ? rnd() : smallK());
  const insns: BpfInsn[] = [];
  for (let i = 0; i < n - 1; i++) {
    const left = n - 1 - i - 1; // instructions after this one, before the final RET
    const kind = rnd() % 10;
    let insn: BpfInsn;
    if (kind < 3) insn = [pick(LOADS), 0, 0, rnd() % 3 === 0 ? anyK() : rnd() % 48];
    else if (kind < 4) insn = [pick(MEM), 0, 0, rnd() % 16];
    else if (kind < 6) {
      const code = pick(ALU_K);
      const op = code & 0xf0;
      let k = anyK();
      if ((op === 0x30 || op === 0x90) && k === 0) k = 3;
      if ((op === 0x60 || op === 0x70) && k >= 32) k %= 32;
      insn = [code, 0, 0, k];
    } else if (kind < 7) insn = [pick(ALU_X), 0, 0, 0];
    else if (kind < 8) insn = [pick(MISC), 0, 0, 0];
    else if (kind < 9 && left > 0) {
      insn = [pick(JMP), rnd() % (left + 1), rnd() % (left + 1), anyK()];
    } else if (left > 0 && rnd() % 2 === 0) insn = [0x05, 0, 0, rnd() % (left + 1)];
    else insn = rnd() % 2 === 0 ? [0x16, 0, 0, 0] : [0x06, 0, 0, rnd() % 3];
    insns.push(insn);
  }
  insns.push(rnd() % 2 === 0 ? [0x16, 0, 0, 0] : [0x06, 0, 0, 1]);
  return bpfProgramFrom(insns);
}

Deno.test("generated code agrees with the interpreter on random programs (fixed seed)", () => {
  const rnd = xorshift32(0xbadf00d);
  const packets = fuzzPackets(7, 64).map((p) => ({ ...p, buf: embed(p.data) }));
  let nonzero = 0;
  for (let round = 0; round < 400; round++) {
    const prog = randomProgram(rnd, 4 + (rnd() % 40));
    const blocks = compileBpfFunction(prog, { style: "blocks" });
    const loop = compileBpfFunction(prog, { style: "switch" });
    for (const p of packets) {
      const len = p.data.length;
      const want = runBpf(prog, p.buf, 3, len, p.wireLen);
      const b = blocks(p.buf, 3, len, p.wireLen);
      const s = loop(p.buf, 3, len, p.wireLen);
      if (b !== want || s !== want) {
        assert.fail(
          `program ${round}: interpreter ${want}, blocks ${b}, switch ${s}\n` +
            generateBpfSource(prog, "value", { style: "blocks" }),
        );
      }
      if (want !== 0 && want !== 1) nonzero++;
    }
  }
  assert.ok(nonzero > 1000, `programs returned computed values ${nonzero} times`);
});

/** `ldb [0]`, then n × (`jeq #i jt 0 jf 1`, `ret #i+1`), `ret #0`: n jump targets. */
function manyTargets(n: number): BpfProgram {
  const insns: BpfInsn[] = [[0x30, 0, 0, 0]];
  for (let i = 0; i < n; i++) insns.push([0x15, 0, 1, i], [0x06, 0, 0, i + 1]);
  insns.push([0x06, 0, 0, 0]);
  return bpfProgramFrom(insns);
}

Deno.test("programs with very many jump targets use the switch shape and still agree", () => {
  const big = manyTargets(MAX_BLOCK_LABELS + 200);
  assert.match(generateBpfSource(big), /switch \(pc\)/);
  assert.doesNotMatch(generateBpfSource(manyTargets(MAX_BLOCK_LABELS)), /switch/);
  const auto = compileBpfFunction(big);
  const blocks = compileBpfFunction(big, { style: "blocks" });
  for (const b of [0, 1, 77, 255]) {
    const pkt = new Uint8Array([b]);
    const want = runBpf(big, pkt, 0, 1, 1);
    assert.equal(want, b + 1);
    assert.equal(auto(pkt, 0, 1, 1), want);
    assert.equal(blocks(pkt, 0, 1, 1), want);
  }
  // Too deep for nested blocks: forced "blocks" is refused, the default shape works.
  const huge = manyTargets(6000);
  assert.throws(
    () => compileBpfFunction(huge, { style: "blocks" }),
    /Cannot generate filter code: program too large for the blocks style/,
  );
  assert.equal(compileBpfFunction(huge)(new Uint8Array([200]), 0, 1, 1), 201);
});

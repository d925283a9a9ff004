import assert from "node:assert/strict";
import { Frame } from "../capture/frame.ts";
import {
  L_DNS,
  L_TLS,
  LAYER_COUNT,
  LAYER_NAMES,
  NET_ARP,
  PacketRecord,
  REASON_TEXT,
  STATUS_NAMES,
} from "./packet.ts";
import * as packet from "./packet.ts";

/** Every own enumerable field of `o` that holds a number or a boolean. */
function scalarKeys(o: object): string[] {
  return Object.keys(o).filter((k) => {
    const v = (o as Record<string, unknown>)[k];
    return typeof v === "number" || typeof v === "boolean";
  });
}

/** Sets every scalar field of `o` to a value no constructor uses. */
function scramble(o: object): void {
  const r = o as Record<string, unknown>;
  for (const k of scalarKeys(o)) r[k] = typeof r[k] === "boolean" ? !r[k] : 987654;
}

Deno.test("PacketRecord.reset() restores every scalar field of a fresh record", () => {
  const fresh = new PacketRecord();
  // The application data is cleared as `app` names it (the decoder fills
  // only that one): once with DNS, once with TLS.
  for (const app of [L_DNS, L_TLS]) {
    const rec = new PacketRecord();
    const keys = scalarKeys(rec);
    // Guard against the helper silently finding nothing.
    assert.ok(keys.length > 70, `only ${keys.length} scalar fields found`);
    scramble(rec);
    for (const k of keys) assert.notEqual((rec as never)[k], (fresh as never)[k], k);
    scramble(app === L_DNS ? rec.dns : rec.tls);
    // Mark the lazily-cleared groups as used by the last packet, as the
    // decoders do when they fill them (ARP, TCP options, ICMP, DNS/TLS).
    rec.net = NET_ARP;
    rec.tcpHdrLen = 40;
    rec.icmpType = 3;
    rec.app = app;
    rec.reset();
    for (const k of keys) {
      assert.equal((rec as never)[k], (fresh as never)[k], `reset() leaves ${k} changed`);
    }
    for (const k of scalarKeys(fresh.dns)) {
      assert.equal((rec.dns as never)[k], (fresh.dns as never)[k], `reset() leaves dns.${k}`);
    }
    for (const k of scalarKeys(fresh.tls)) {
      assert.equal((rec.tls as never)[k], (fresh.tls as never)[k], `reset() leaves tls.${k}`);
    }
  }
});

Deno.test("PacketRecord.reset() keeps the frame, buffer and array identities", () => {
  const rec = new PacketRecord();
  const frame = new Frame();
  rec.frame = frame;
  const { vlanIds, tcpSack, dns, tls } = rec;
  rec.reset();
  assert.equal(rec.frame, frame);
  assert.equal(rec.vlanIds, vlanIds);
  assert.equal(rec.tcpSack, tcpSack);
  assert.equal(rec.dns, dns);
  assert.equal(rec.tls, tls);
});

Deno.test("PacketRecord has the same shape (field order) for every instance", () => {
  assert.deepEqual(Object.keys(new PacketRecord()), Object.keys(new PacketRecord()));
  const rec = new PacketRecord();
  const before = Object.keys(rec);
  rec.reset();
  assert.deepEqual(Object.keys(rec), before, "reset() must not add fields");
});

Deno.test("packet.ts name tables cover every code", () => {
  assert.equal(LAYER_NAMES.length, LAYER_COUNT);
  assert.equal(STATUS_NAMES.length, 4);
  const reasons = Object.entries(packet).filter(([k]) => k.startsWith("R_"));
  const max = Math.max(...reasons.map(([, v]) => v as number));
  assert.equal(REASON_TEXT.length, max + 1, "one text per R_* code");
  for (const [k, v] of reasons) {
    assert.ok(REASON_TEXT[v as number]! !== "" || v === 0, `${k} has no text`);
  }
  const layers = Object.entries(packet).filter(([k]) => k.startsWith("L_"));
  for (const [k, v] of layers) assert.ok(LAYER_NAMES[v as number], `${k} has no name`);
});

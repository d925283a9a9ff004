import assert from "node:assert/strict";
import { CaptureFileReader, NEXT_FRAME, NEXT_NEED_DATA } from "../capture/capture_file_reader.ts";
import { Frame } from "../capture/frame.ts";
import { decodeFrame } from "../protocol/decode.ts";
import { DnsInfo, dnsNameAt } from "../protocol/dns.ts";
import { L_DNS, L_TLS, PacketRecord } from "../protocol/packet.ts";
import { tlsSni } from "../protocol/tls.ts";
import { fixture } from "../../tests/_fixtures.ts";
import { FlowNames } from "./flow_names.ts";

/** dnsNameAt's text without the trailing dot, as flows export it. */
function expectedName(buf: Uint8Array, info: DnsInfo, off: number): string {
  const n = dnsNameAt(buf, info, off);
  return n.length > 1 && n.endsWith(".") ? n.slice(0, -1) : n;
}

Deno.test("every DNS question name and TLS SNI of the fixtures survives the byte cells", async () => {
  const names = new FlowNames();
  let dnsSeen = 0, sniSeen = 0;
  const held: [number, string | null, string | null][] = [];
  for (
    const file of ["DnsPackets.pcap", "dns_tcp.pcap", "tls.pcap", "tls13-ech.pcap", "example.pcap"]
  ) {
    const r = await CaptureFileReader.open(fixture(file));
    const f = new Frame(), rec = new PacketRecord();
    try {
      for (;;) {
        const st = r.next(f);
        if (st === NEXT_NEED_DATA) {
          await r.fill();
          continue;
        }
        if (st !== NEXT_FRAME) break;
        decodeFrame(f, rec);
        if (rec.app === L_DNS && rec.dns.qParsed > 0) {
          const off = rec.dns.qNameOff[0]!;
          const h = names.setDns(-1, rec.buf, rec.dns, off);
          assert.ok(names.hasDns(h) && !names.hasSni(h));
          assert.equal(
            names.dnsName(h),
            expectedName(rec.buf, rec.dns, off),
            `${file} #${f.number}`,
          );
          assert.equal(names.sni(h), null);
          held.push([h, names.dnsName(h), null]);
          dnsSeen++;
        } else if (rec.app === L_TLS && rec.tls.sniOff >= 0) {
          const h = names.setSni(-1, rec.buf, rec.tls.sniOff, rec.tls.sniLen);
          assert.equal(names.sni(h), tlsSni(rec.buf, rec.tls), `${file} #${f.number}`);
          assert.equal(names.dnsName(h), null);
          held.push([h, null, names.sni(h)]);
          sniSeen++;
        }
      }
    } finally {
      r.close();
    }
  }
  assert.ok(dnsSeen > 50 && sniSeen >= 5, `${dnsSeen} DNS names, ${sniSeen} SNIs`);
  // Every handle still reads back after all the others were stored.
  for (const [h, dns, sni] of held) {
    assert.equal(names.dnsName(h), dns);
    assert.equal(names.sni(h), sni);
  }
});

/** A DNS message (header + the given bytes) and its DnsInfo. */
function message(body: number[]): { buf: Uint8Array; info: DnsInfo } {
  const buf = new Uint8Array([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...body]);
  const info = new DnsInfo();
  info.msgOff = 0;
  info.msgLen = buf.length;
  return { buf, info };
}

const label = (s: string) => [s.length, ...[...s].map((c) => c.charCodeAt(0))];

Deno.test("a name and an SNI share a cell, in either order; a longer second name moves the cell", () => {
  const names = new FlowNames();
  const { buf, info } = message([...label("www"), ...label("example"), ...label("org"), 0]);
  const sni = new TextEncoder().encode("a-rather-long-server-name.example.net");
  let h = names.setDns(-1, buf, info, 12);
  assert.equal(names.dnsName(h), "www.example.org");
  const first = h;
  h = names.setSni(h, sni, 0, sni.length);
  assert.notEqual(h, first, "17 + 37 bytes do not fit a 32-byte cell");
  assert.equal(names.dnsName(h), "www.example.org");
  assert.equal(names.sni(h), "a-rather-long-server-name.example.net");

  // The freed 32-byte cell is reused.
  let g = names.setSni(-1, sni, 2, 6);
  assert.equal(g, first);
  assert.equal(names.sni(g), "rather");
  g = names.setDns(g, buf, info, 12);
  assert.equal(names.dnsName(g), "www.example.org");
  assert.equal(names.sni(g), "rather");
});

Deno.test("compression pointers are followed; escapes and the root name read as dnsNameAt prints them", () => {
  const names = new FlowNames();
  // 12: "ex.mple" "com" 0 (13 bytes); 25: "mail" + pointer to 12
  const { buf, info } = message([
    ...label("ex.mple"),
    ...label("com"),
    0,
    ...label("mail"),
    0xc0,
    12,
  ]);
  const h = names.setDns(-1, buf, info, 25);
  assert.equal(names.dnsName(h), "mail.ex\\.mple.com");
  assert.equal(names.dnsName(h), expectedName(buf, info, 25));
  const root = message([0]);
  assert.equal(names.dnsName(names.setDns(-1, root.buf, root.info, 12)), ".");
  // A pointer loop or a name running off the message is not stored.
  const loop = message([0xc0, 12]);
  assert.equal(names.setDns(-1, loop.buf, loop.info, 12), -1);
  const cut = message([5, 0x61]);
  assert.equal(names.setDns(-1, cut.buf, cut.info, 12), -1);
});

Deno.test("a 255-byte name and a long SNI grow into larger cells", () => {
  const names = new FlowNames();
  const body: number[] = [];
  for (let i = 0; i < 4; i++) body.push(...label("x".repeat(62)));
  body.push(0); // 4 * 63 + 1 = 253 bytes
  const { buf, info } = message(body);
  const h = names.setDns(-1, buf, info, 12);
  assert.equal(names.dnsName(h), Array(4).fill("x".repeat(62)).join("."));
  const sni = new Uint8Array(3000).fill(0x61);
  const g = names.setSni(h, sni, 0, sni.length);
  assert.equal(names.sni(g), "a".repeat(3000));
  assert.equal(names.dnsName(g), Array(4).fill("x".repeat(62)).join("."));
});

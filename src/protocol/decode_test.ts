import assert from "node:assert/strict";
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LINKTYPE_RAW_12,
  LINKTYPE_RAW_14,
} from "../capture/frame.ts";
import {
  addr4,
  cat,
  decodeBytes,
  decodeFixture,
  ethernet,
  fixtureFrame,
  frameOf,
  ipv4,
  ipv6,
  SYN_FRAME,
  tcp,
  u16,
  udp,
} from "./_test_frames.ts";
import { decodeFrame, isSupportedLinkType } from "./decode.ts";
import { dnsNameAt } from "./dns.ts";
import {
  L_DNS,
  L_FRAME,
  L_NONE,
  L_OTHER_IP,
  L_OTHER_L2,
  L_TCP,
  L_TLS,
  NET_ARP,
  NET_IPV4,
  NET_IPV6,
  NET_OTHER,
  PacketRecord,
  R_DNS,
  R_LINK_UNSUPPORTED,
  R_RAW_VERSION,
  R_TLS,
  ST_MALFORMED,
  ST_OK,
  ST_TRUNCATED,
  ST_UNSUPPORTED,
} from "./packet.ts";
import { tlsSni } from "./tls.ts";

const V4_TCP = cat(ipv4({ proto: 6, payloadLen: 20 }), tcp({}));
const V6_TCP = cat(ipv6({ next: 6, payloadLen: 20 }), tcp({}));

/** A DNS query for `name` (RFC 1035 §4.1), id 0x1234, one question, type A. */
function dnsQuery(name: string): number[] {
  const q: number[] = [...u16(0x1234), ...u16(0x0100), ...u16(1), 0, 0, 0, 0, 0, 0];
  for (const label of name.split(".")) q.push(label.length, ...new TextEncoder().encode(label));
  q.push(0, ...u16(1), ...u16(1));
  return q;
}

Deno.test("decodeFrame() flags an unsupported link type", () => {
  const rec = decodeBytes(SYN_FRAME, { linkType: 147 });
  assert.equal(rec.status, ST_UNSUPPORTED);
  assert.equal(rec.statusLayer, L_FRAME);
  assert.equal(rec.reason, R_LINK_UNSUPPORTED);
  assert.equal(rec.topLayer, L_FRAME);
  assert.equal(rec.linkOff, -1);
});

Deno.test("isSupportedLinkType() lists exactly the link types decodeFrame() handles", () => {
  const supported = [
    LINKTYPE_NULL,
    LINKTYPE_ETHERNET,
    LINKTYPE_RAW_12,
    LINKTYPE_RAW_14,
    LINKTYPE_RAW,
    LINKTYPE_LOOP,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_IPV4,
    LINKTYPE_IPV6,
    LINKTYPE_LINUX_SLL2,
  ];
  for (let lt = 0; lt < 300; lt++) {
    const rec = decodeBytes(V4_TCP, { linkType: lt });
    const handled = rec.reason !== R_LINK_UNSUPPORTED;
    assert.equal(isSupportedLinkType(lt), handled, `link type ${lt}`);
    assert.equal(handled, supported.includes(lt), `link type ${lt}`);
  }
});

Deno.test("decodeFrame() reads raw IP link types by the version nibble", () => {
  for (const lt of [LINKTYPE_RAW, LINKTYPE_RAW_12, LINKTYPE_RAW_14]) {
    const v4 = decodeBytes(V4_TCP, { linkType: lt });
    assert.equal(v4.status, ST_OK);
    assert.equal(v4.net, NET_IPV4);
    assert.equal(v4.netOff, 7);
    assert.equal(v4.linkOff, -1);
    assert.equal(v4.srcPort, 40000);
    const v6 = decodeBytes(V6_TCP, { linkType: lt });
    assert.equal(v6.net, NET_IPV6);
    assert.equal(v6.srcPort, 40000);
  }
  const bad = decodeBytes(cat([0x55], V4_TCP.subarray(1)), { linkType: LINKTYPE_RAW });
  assert.equal(bad.status, ST_MALFORMED);
  assert.equal(bad.reason, R_RAW_VERSION);
  const empty = decodeBytes(new Uint8Array(0), { linkType: LINKTYPE_RAW });
  assert.equal(empty.status, ST_TRUNCATED);
  assert.equal(empty.reason, R_RAW_VERSION);
});

Deno.test("decodeFrame() reads LINKTYPE_IPV4 and LINKTYPE_IPV6 without a version guess", () => {
  assert.equal(decodeBytes(V4_TCP, { linkType: LINKTYPE_IPV4 }).net, NET_IPV4);
  assert.equal(decodeBytes(V6_TCP, { linkType: LINKTYPE_IPV6 }).net, NET_IPV6);
  // An IPv6 packet under LINKTYPE_IPV4 is a malformed IPv4 packet.
  assert.equal(decodeBytes(V6_TCP, { linkType: LINKTYPE_IPV4 }).status, ST_MALFORMED);
});

Deno.test("decodeFrame() reads basic-auth-with-colon.pcap (LINKTYPE_IPV4)", async () => {
  const rec = await decodeFixture("basic-auth-with-colon.pcap", 1);
  assert.equal(rec.status, ST_OK);
  assert.equal(addr4(rec, rec.srcAddrOff), "172.24.133.205");
  assert.equal(rec.srcPort, 43090);
  assert.equal(rec.dstPort, 8000);
});

Deno.test("decodeFrame() leaves an unknown ethertype as an unknown network layer", () => {
  const rec = decodeBytes(cat(ethernet(0x88b5), new Uint8Array(46)));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.net, NET_OTHER);
  assert.equal(rec.etherType, 0x88b5);
  assert.equal(rec.topLayer, L_OTHER_L2);
  assert.equal(rec.netOff, 7 + 14);
});

Deno.test("decodeFrame() leaves an unknown IP protocol undecoded", () => {
  const rec = decodeBytes(cat(ethernet(0x0800), ipv4({ proto: 47, payloadLen: 4 }), [0, 0, 8, 0]));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.ipProto, 47);
  assert.equal(rec.topLayer, L_OTHER_IP);
  assert.equal(rec.l4CapLen, 4);
  assert.equal(rec.srcPort, -1);
});

Deno.test("decodeFrame() resets the record between packets", () => {
  const rec = new PacketRecord();
  decodeFrame(frameOf(SYN_FRAME), rec);
  assert.equal(rec.tcpMss, 1460);
  const arp = cat(ethernet(0x0806), u16(1), u16(0x0800), [6, 4], u16(2), new Uint8Array(20));
  const frame = frameOf(arp);
  decodeFrame(frame, rec);
  assert.equal(rec.frame, frame);
  assert.equal(rec.buf, frame.buf);
  assert.equal(rec.net, NET_ARP);
  assert.equal(rec.arpOp, 2);
  assert.equal(rec.srcPort, -1);
  assert.equal(rec.tcpMss, -1);
  assert.equal(rec.ipProto, -1);
  assert.equal(rec.srcAddrOff, -1);
  assert.equal(rec.app, L_NONE);
});

Deno.test("decodeFrame() decodes DNS over UDP and names the question", () => {
  const q = dnsQuery("www.example.com");
  const rec = decodeBytes(
    cat(
      ethernet(0x0800),
      ipv4({ proto: 17, payloadLen: 8 + q.length }),
      udp(40000, 53, q.length),
      q,
    ),
  );
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.app, L_DNS);
  assert.equal(rec.topLayer, L_DNS);
  assert.equal(rec.dns.qdCount, 1);
  assert.equal(dnsNameAt(rec.buf, rec.dns, rec.dns.qNameOff[0]!), "www.example.com.");
  assert.equal(rec.dns.mdns, false);
});

Deno.test("decodeFrame() marks mDNS (port 5353) and LLMNR (5355) as DNS", () => {
  const q = dnsQuery("printer.local");
  for (const port of [5353, 5355]) {
    const rec = decodeBytes(
      cat(
        ethernet(0x0800),
        ipv4({ proto: 17, payloadLen: 8 + q.length }),
        udp(port, port, q.length),
        q,
      ),
    );
    assert.equal(rec.app, L_DNS, `port ${port}`);
    assert.equal(rec.dns.mdns, port === 5353, `port ${port}`);
    assert.equal(rec.status, ST_OK);
  }
});

Deno.test("decodeFrame() flags a malformed DNS message, not a snaplen-cut one", () => {
  const q = dnsQuery("www.example.com");
  const bad = q.slice(0, 20); // question cut inside the name: the UDP length says that is all
  const rec = decodeBytes(
    cat(
      ethernet(0x0800),
      ipv4({ proto: 17, payloadLen: 8 + bad.length }),
      udp(40000, 53, bad.length),
      bad,
    ),
  );
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.statusLayer, L_DNS);
  assert.equal(rec.reason, R_DNS);
  const whole = cat(
    ethernet(0x0800),
    ipv4({ proto: 17, payloadLen: 8 + q.length }),
    udp(40000, 53, q.length),
    q,
  );
  const cut = decodeBytes(whole, { capLen: 42 + 20 });
  assert.equal(cut.app, L_DNS);
  assert.equal(cut.status, ST_OK, "a message cut by the snaplen is not malformed");
});

Deno.test("decodeFrame() decodes DNS over TCP only from a segment holding a whole message", async () => {
  const q = dnsQuery("www.tcpdump.org");
  const seg = cat(tcp({ sport: 40000, dport: 53, flags: 0x18 }), u16(q.length), q);
  const rec = decodeBytes(cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: seg.length }), seg));
  assert.equal(rec.app, L_DNS);
  assert.equal(dnsNameAt(rec.buf, rec.dns, rec.dns.qNameOff[0]!), "www.tcpdump.org.");
  // Length prefix larger than the segment: the message continues elsewhere.
  const part = cat(tcp({ sport: 40000, dport: 53 }), u16(q.length + 100), q);
  const rec2 = decodeBytes(
    cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: part.length }), part),
  );
  assert.equal(rec2.app, L_NONE);
  assert.equal(rec2.topLayer, L_TCP);
  const real = await decodeFixture("dns_tcp.pcap", 4);
  assert.equal(real.app, L_DNS);
  assert.equal(dnsNameAt(real.buf, real.dns, real.dns.qNameOff[0]!), "www.tcpdump.org.");
});

Deno.test("decodeFrame() finds the SNI in tls.pcap ClientHellos on any port", async () => {
  const cases: [number, string][] = [[1, "bawmashbij"], [9, "ssl.gstatic.com"], [
    29,
    "www.gstatic.com",
  ]];
  for (const [n, sni] of cases) {
    const rec = await decodeFixture("tls.pcap", n);
    assert.equal(rec.status, ST_OK, `frame ${n}`);
    assert.equal(rec.app, L_TLS, `frame ${n}`);
    assert.equal(rec.topLayer, L_TLS);
    assert.equal(tlsSni(rec.buf, rec.tls), sni);
  }
});

Deno.test("decodeFrame() flags a malformed ClientHello record", async () => {
  const good = await fixtureFrame("tls.pcap", 1);
  const rec = new PacketRecord();
  decodeFrame(good, rec);
  // Record length field above 2^14 (RFC 8446 §5.1).
  const p = rec.payloadOff;
  good.buf[p + 3] = 0x40;
  good.buf[p + 4] = 0x01;
  decodeFrame(good, rec);
  assert.equal(rec.app, L_TLS);
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.statusLayer, L_TLS);
  assert.equal(rec.reason, R_TLS);
});

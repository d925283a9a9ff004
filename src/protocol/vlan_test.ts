import assert from "node:assert/strict";
import {
  addr4,
  cat,
  decodeBytes,
  decodeFixture,
  ethernet,
  ipv4,
  tcp,
  vlanTag,
} from "./_test_frames.ts";
import {
  L_VLAN,
  MAX_VLAN_TAGS,
  NET_ARP,
  NET_IPV4,
  R_VLAN_SHORT,
  ST_OK,
  ST_TRUNCATED,
} from "./packet.ts";
import { isVlanTpid } from "./vlan.ts";

const IP_TCP = cat(ipv4({ proto: 6, payloadLen: 20 }), tcp({}));

Deno.test("walkVlanTags() reads one 802.1Q tag", () => {
  const rec = decodeBytes(cat(ethernet(0x8100), vlanTag(5, 4093, 0x0800), IP_TCP));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.vlanCount, 1);
  assert.equal(rec.vlanIds[0], 4093);
  assert.equal(rec.vlanPcps[0], 5);
  assert.equal(rec.vlanTpids[0], 0x8100);
  assert.equal(rec.etherType, 0x0800);
  assert.equal(rec.netOff, 7 + 18);
  assert.equal(rec.net, NET_IPV4);
  assert.equal(rec.srcPort, 40000);
});

Deno.test("walkVlanTags() reads an 802.1ad S-tag over an 802.1Q C-tag (QinQ)", () => {
  const frame = cat(ethernet(0x88a8), vlanTag(3, 200, 0x8100), vlanTag(0, 2001, 0x0800), IP_TCP);
  const rec = decodeBytes(frame);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.vlanCount, 2);
  assert.deepEqual([...rec.vlanIds.subarray(0, 2)], [200, 2001]);
  assert.deepEqual([...rec.vlanTpids.subarray(0, 2)], [0x88a8, 0x8100]);
  assert.deepEqual([...rec.vlanPcps.subarray(0, 2)], [3, 0]);
  assert.equal(rec.netOff, 7 + 22);
});

Deno.test("walkVlanTags() reads three stacked tags, outermost first", () => {
  const frame = cat(
    ethernet(0x8100),
    vlanTag(0, 30, 0x8100),
    vlanTag(0, 20, 0x9100),
    vlanTag(0, 10, 0x0800),
    IP_TCP,
  );
  const rec = decodeBytes(frame);
  assert.equal(rec.vlanCount, 3);
  assert.deepEqual([...rec.vlanIds.subarray(0, 3)], [30, 20, 10]);
  assert.deepEqual([...rec.vlanTpids.subarray(0, 3)], [0x8100, 0x8100, 0x9100]);
  assert.equal(rec.etherType, 0x0800);
  assert.equal(rec.srcPort, 40000);
});

Deno.test("walkVlanTags() counts tags beyond MAX_VLAN_TAGS and keeps the first ones", () => {
  const tags: number[] = [];
  const n = MAX_VLAN_TAGS + 3;
  for (let i = 0; i < n; i++) tags.push(...vlanTag(0, 100 + i, i === n - 1 ? 0x0800 : 0x8100));
  const rec = decodeBytes(cat(ethernet(0x8100), tags, IP_TCP));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.vlanCount, n);
  assert.equal(rec.vlanIds[MAX_VLAN_TAGS - 1], 100 + MAX_VLAN_TAGS - 1);
  assert.equal(rec.netOff, 7 + 14 + 4 * n);
  assert.equal(rec.srcPort, 40000);
});

Deno.test("walkVlanTags() flags a tag cut short at every length", () => {
  const frame = cat(ethernet(0x88a8), vlanTag(0, 200, 0x8100), vlanTag(0, 2001, 0x0800), IP_TCP);
  for (let len = 14; len < 22; len++) {
    const rec = decodeBytes(frame, { capLen: len });
    assert.equal(rec.status, ST_TRUNCATED, `capLen ${len}`);
    assert.equal(rec.statusLayer, L_VLAN, `capLen ${len}`);
    assert.equal(rec.reason, R_VLAN_SHORT, `capLen ${len}`);
    assert.equal(rec.topLayer, L_VLAN);
    assert.equal(rec.vlanCount, len < 18 ? 0 : 1, `capLen ${len}`);
    assert.equal(rec.netOff, -1);
  }
});

Deno.test("isVlanTpid() accepts 0x8100, 0x88a8, 0x9100, 0x9200 only", () => {
  for (const t of [0x8100, 0x88a8, 0x9100, 0x9200]) assert.ok(isVlanTpid(t));
  for (const t of [0x0800, 0x86dd, 0x8847, 0x9300, 0]) assert.ok(!isVlanTpid(t));
});

Deno.test("decodeFrame() reads 802.1ad_QinQ.pcap: S-tag 200 over C-tag 2001, ARP", async () => {
  const rec = await decodeFixture("802.1ad_QinQ.pcap", 1);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.vlanCount, 2);
  assert.deepEqual([...rec.vlanIds.subarray(0, 2)], [200, 2001]);
  assert.deepEqual([...rec.vlanTpids.subarray(0, 2)], [0x88a8, 0x8100]);
  assert.equal(rec.net, NET_ARP);
  assert.equal(rec.arpOp, 1);
  assert.equal(addr4(rec, rec.arpSpa), "172.21.79.97");
  assert.equal(addr4(rec, rec.arpTpa), "172.21.79.100");
});

Deno.test("decodeFrame() reads vlan-qinqinq.pcap: tags 30, 20, 10 then IPv4/TCP", async () => {
  const rec = await decodeFixture("vlan-qinqinq.pcap", 1);
  assert.equal(rec.vlanCount, 3);
  assert.deepEqual([...rec.vlanIds.subarray(0, 3)], [30, 20, 10]);
  assert.equal(addr4(rec, rec.srcAddrOff), "141.142.228.5");
  assert.equal(rec.srcPort, 59856);
  assert.equal(rec.dstPort, 80);
  // The fixture helper itself: a frame number past the end is an error.
  await assert.rejects(() => decodeFixture("vlan-qinqinq.pcap", 999), RangeError);
});

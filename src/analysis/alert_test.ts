import assert from "node:assert/strict";
import {
  alertJsonLine,
  alertLine,
  alertTime,
  alertToJson,
  makePortScanAlert,
  makeSynFloodAlert,
} from "./alert.ts";

Deno.test("alertTime: base seconds + relative time, nanoseconds rounded", () => {
  // example.pcap's first packet is at 1367526033 s.
  assert.equal(alertTime(1367526033, 3.123456), "2013-05-02T20:20:36.123456000Z");
  assert.equal(alertTime(1367526033, 0), "2013-05-02T20:20:33.000000000Z");
  // A fraction that rounds up to a whole second carries.
  assert.equal(alertTime(0, 0.9999999999), "1970-01-01T00:00:01.000000000Z");
  assert.equal(alertTime(0, 1e-9), "1970-01-01T00:00:00.000000001Z");
});

Deno.test("alerts: SYN flood text line, description and JSON field order", () => {
  const a = makeSynFloodAlert(
    "2013-05-02T20:20:36.123456000Z",
    "10.0.0.5",
    80,
    "10.0.0.5:80",
    1200,
    300,
    false,
    5,
    200,
    50,
  );
  assert.equal(
    alertLine(a),
    "ALERT 2013-05-02T20:20:36.123456000Z syn_flood: " +
      "SYN flood to 10.0.0.5:80: 1200 SYNs from 300 sources within 5 s",
  );
  assert.equal(
    alertJsonLine(a),
    '{"ts":"2013-05-02T20:20:36.123456000Z","kind":"syn_flood",' +
      '"description":"SYN flood to 10.0.0.5:80: 1200 SYNs from 300 sources within 5 s",' +
      '"target":{"ip":"10.0.0.5","port":80},"syn_count":1200,"unique_sources":300,' +
      '"window_secs":5,"syn_threshold":200,"unique_src_threshold":50}',
  );
  const capped = makeSynFloodAlert("x", "::1", 443, "[::1]:443", 1, 200, true, 2.5, 0, 1);
  assert.equal(
    capped.description,
    "SYN flood to [::1]:443: 1 SYN from at least 200 sources within 2.5 s",
  );
});

Deno.test("alerts: port scan text line, description and JSON field order", () => {
  const a = makePortScanAlert("T", "172.16.0.8", 26, 1, 10, 25, 10);
  assert.equal(
    alertLine(a),
    "ALERT T port_scan: Port scan from 172.16.0.8: 26 ports on 1 host within 10 s",
  );
  assert.deepEqual(Object.keys(alertToJson(a)), [
    "ts",
    "kind",
    "description",
    "source",
    "unique_ports",
    "unique_hosts",
    "window_secs",
    "unique_ports_threshold",
    "unique_hosts_threshold",
  ]);
  // The JSON object is rebuilt in the fixed order whatever order the record has.
  const shuffled = {
    unique_hosts_threshold: 10,
    source: { ip: "h" },
    kind: "port_scan" as const,
    ts: "T",
    description: "d",
    unique_ports: 1,
    unique_hosts: 11,
    window_secs: 10,
    unique_ports_threshold: 25,
  };
  assert.equal(
    alertJsonLine(shuffled),
    '{"ts":"T","kind":"port_scan","description":"d","source":{"ip":"h"},"unique_ports":1,' +
      '"unique_hosts":11,"window_secs":10,"unique_ports_threshold":25,"unique_hosts_threshold":10}',
  );
});

/**
 * Recording a decode problem on the packet record. The first problem wins:
 * later layers never overwrite the reason a packet was first flagged.
 *
 * @module
 */

import { type PacketRecord, ST_OK } from "./packet.ts";

/** Flags the packet with status `st` (ST_*) at layer `layer` for reason `reason` (R_*). */
export function markProblem(rec: PacketRecord, st: number, layer: number, reason: number): void {
  if (rec.status === ST_OK) {
    rec.status = st;
    rec.statusLayer = layer;
    rec.reason = reason;
  }
}

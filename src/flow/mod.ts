/**
 * Flow tracking: the canonical bidirectional flow key and symmetric hash
 * (`flow_key.ts`), the typed-array flow table with idle expiry and LRU
 * eviction (`flow_table.ts`), and Community ID v1 strings
 * (`community_id.ts`).
 *
 * @example
 * ```ts
 * import { FlowTable } from "./mod.ts";
 *
 * const table = new FlowTable({ timeoutSecs: 60, maxFlows: 100_000 });
 * // per decoded packet: const slot = table.observe(rec, t);
 * table.drain((slot, reason) => console.log(table.snapshot(slot), reason));
 * ```
 *
 * @module
 */

export {
  extractFlowKey,
  FAMILY_V4,
  FAMILY_V6,
  flowHash,
  FlowKey,
  KEY_FRAGMENT,
  KEY_NO_IP,
  KEY_OK,
} from "./flow_key.ts";
export {
  type FlowRemoveCallback,
  type FlowRemoveReason,
  type FlowSnapshot,
  FlowTable,
  type FlowTableOptions,
  type FlowTcpFields,
  MAX_FLOW_SLOTS,
  protocolName,
  type TcpObserver,
} from "./flow_table.ts";
export { communityId, type CommunityIdInput } from "./community_id.ts";

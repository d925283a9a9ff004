/**
 * Protocol decoding: `decodeFrame(frame, rec)` fills the reused
 * `PacketRecord` from one captured frame. One module per protocol, each
 * with its wire layout documented against its RFC.
 *
 * @module
 */

export * from "./packet.ts";
export { decodeFrame, isSupportedLinkType } from "./decode.ts";

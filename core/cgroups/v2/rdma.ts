/**
 * The v2 rdma controller (the file format is shared with v1, in ../rdma.ts).
 *
 * @module
 */
import { setRdma } from "../rdma.ts";
import type { V2Controller } from "./controller.ts";

/** The v2 rdma controller. */
export const rdma: V2Controller = { name: "rdma", set: (w, r) => setRdma(w, r) };

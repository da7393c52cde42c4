/**
 * The v1 rdma controller (the file format is shared with v2, in ../rdma.ts).
 *
 * @module
 */
import { setRdma } from "../rdma.ts";
import type { V1Controller } from "./controller.ts";

/** The v1 rdma controller. */
export const rdma: V1Controller = { name: "rdma", set: setRdma };

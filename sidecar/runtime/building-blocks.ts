// Every building block the sidecar serves, in one list. Order matters only for
// blocks that share state through BlockContext.shared (a provider comes first).
import type { BlockFactory } from "./building-block.js";
import { metadataBlock } from "../building-blocks/metadata/metadata-block.js";
import { shutdownBlock } from "../building-blocks/health/shutdown-block.js";
import { stateBlock } from "../building-blocks/state/state-block.js";
import { pubsubBlock } from "../building-blocks/pubsub/pubsub-block.js";

export const buildingBlocks: BlockFactory[] = [
  metadataBlock,
  shutdownBlock,
  stateBlock,
  pubsubBlock,
];

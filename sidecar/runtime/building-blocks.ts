// Every building block the sidecar serves, in one list. Order matters only for
// blocks that share state through BlockContext.shared (a provider comes first).
import type { BlockFactory } from "./building-block.js";
import { metadataBlock } from "../building-blocks/metadata/metadata-block.js";
import { shutdownBlock } from "../building-blocks/health/shutdown-block.js";
import { stateBlock } from "../building-blocks/state/state-block.js";
import { pubsubBlock } from "../building-blocks/pubsub/pubsub-block.js";
import { workflowBlock } from "../building-blocks/workflow/workflow-block.js";
import { actorsBlock } from "../building-blocks/actors/actors-block.js";
import { invokeBlock } from "../building-blocks/invoke/invoke-block.js";
import { secretsBlock } from "../building-blocks/secrets/secrets-block.js";
import { lockBlock } from "../building-blocks/lock/lock-block.js";
import { bindingsBlock } from "../building-blocks/bindings/bindings-block.js";
import { configurationBlock } from "../building-blocks/configuration/configuration-block.js";

export const buildingBlocks: BlockFactory[] = [
  metadataBlock,
  shutdownBlock,
  stateBlock,
  pubsubBlock,
  workflowBlock,
  actorsBlock,
  invokeBlock,
  secretsBlock,
  lockBlock,
  bindingsBlock,
  configurationBlock,
];

// gRPC adapter of the lock API: TryLockAlpha1 and UnlockAlpha1.
import { unary, type GrpcHandlers } from "../../api/grpc/grpc-helpers.js";
import type { LockCore } from "./lock-core.js";

// UnlockResponse.Status names by number (the proto loader encodes enums as strings).
const unlockStatusNames = ["SUCCESS", "LOCK_DOES_NOT_EXIST", "LOCK_BELONGS_TO_OTHERS", "INTERNAL_ERROR"];

interface TryLockReq { store_name: string; resource_id: string; lock_owner: string; expiry_in_seconds: number }
interface UnlockReq { store_name: string; resource_id: string; lock_owner: string }

export function lockGrpcHandlers(core: LockCore): GrpcHandlers {
  return {
    TryLockAlpha1: unary(async (req: TryLockReq) =>
      core.tryLock({ storeName: req.store_name, resourceId: req.resource_id, lockOwner: req.lock_owner, expiryInSeconds: req.expiry_in_seconds })),
    UnlockAlpha1: unary(async (req: UnlockReq) => {
      const r = await core.unlock({ storeName: req.store_name, resourceId: req.resource_id, lockOwner: req.lock_owner });
      return { status: unlockStatusNames[r.status] ?? "INTERNAL_ERROR" };
    }),
  };
}

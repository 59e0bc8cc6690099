// Request checks shared by the lock API and the stores, in Dapr's order and
// with Dapr's error codes (pkg/api/errors/lock.go): expiry first on tryLock,
// then resource id, then owner.
import { Errors } from "../../errors/catalog.js";
import type { TryLockRequest, UnlockRequest } from "./lock-store.js";

export function validateUnlock(req: UnlockRequest, storeName: string): void {
  if (!req.resourceId) throw Errors.lockResourceIdEmpty(storeName);
  if (!req.lockOwner) throw Errors.lockOwnerEmpty(storeName);
}

export function validateTryLock(req: TryLockRequest, storeName: string): void {
  if (!Number.isInteger(req.expiryInSeconds) || req.expiryInSeconds <= 0) throw Errors.lockExpiryNotPositive(storeName);
  validateUnlock(req, storeName);
}

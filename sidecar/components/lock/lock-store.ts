// The distributed lock contract (components-contrib `lock.Store`): try to
// take a lock on a resource for a while, release it only as its owner.
// Resource ids reaching a store are already prefixed by the runtime
// (see lock-key.ts); stores never prefix on their own.
import type { Component } from "../component.js";

export interface TryLockRequest {
  resourceId: string;
  lockOwner: string;
  expiryInSeconds: number;
}

export interface TryLockResponse {
  success: boolean;
}

export interface UnlockRequest {
  resourceId: string;
  lockOwner: string;
}

/** The numeric statuses of `UnlockResponse` in Dapr's proto. */
export const UnlockStatus = {
  SUCCESS: 0,
  LOCK_DOES_NOT_EXIST: 1,
  LOCK_BELONGS_TO_OTHERS: 2,
  INTERNAL_ERROR: 3,
} as const;
export type UnlockStatus = (typeof UnlockStatus)[keyof typeof UnlockStatus];

export interface UnlockResponse {
  status: UnlockStatus;
}

export interface LockStore extends Component {
  /** Lock stores announce no features in Dapr; kept for the metadata API's sake. */
  features(): string[];
  /** `success: false` when someone else holds an unexpired lock on the resource. */
  tryLock(req: TryLockRequest): Promise<TryLockResponse>;
  unlock(req: UnlockRequest): Promise<UnlockResponse>;
}

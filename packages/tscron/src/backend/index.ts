// tscron/backend: building blocks for Locker and Elector backends (@tscron/redis, @tscron/postgres, ...).
export { abortReason, bounded } from './bounded.js';
export { callerDirectory } from './caller-directory.js';
export type { CampaignSettings } from './campaign.js';
export { Campaign } from './campaign.js';
export { Coalescer } from './coalescer.js';
export type { FleetOptions } from './fleet-options.js';
export { checkJobName, checkScheduledAt, fleetSettings } from './fleet-options.js';
export type { FenceValue } from './held-locks.js';
export { HeldLocks } from './held-locks.js';
export { backendFailure, lockLost, lockTimeout } from './lock-errors.js';
export { checkLockClaims, checkLockRequest, MAX_LOCK_KEY_LENGTH } from './lock-request.js';
export type { ElectorTimingOptions, ElectorTimings, LockerTimingOptions, LockerTimings } from './options.js';
export { durationOption, electorTimings, lockerTimings, renewalWindow, requireShorter } from './options.js';
export type { LockOps, RenewedLockSettings } from './renewed-lock.js';
export { RenewedLock } from './renewed-lock.js';

// tscron/testing: test helpers and the backend conformance suites.
export type { ContractCase } from './contract-support.js';
export type {
  ContractElector,
  ElectorContractFactory,
  ElectorContractOptions,
  ElectorContractSettings,
} from './elector-contract.js';
export { electorContract } from './elector-contract.js';
export { FakeClock } from './fake-clock.js';
export type { ContractFleet, FleetContractFactory, FleetContractOptions } from './fleet-contract.js';
export { fleetContract } from './fleet-contract.js';
export type {
  ContractLocker,
  LockerContractFactory,
  LockerContractOptions,
  LockerContractSettings,
  TimedContractCase,
} from './locker-contract.js';
export { lockerContract } from './locker-contract.js';

// @tscron/nestjs/testing: drive a Nest application's jobs on a fake clock.
export { FakeClock } from 'tscron/testing';
export type { OverridableBuilder, ScheduleTesterOptions } from './schedule-tester.js';
export { ScheduleTester } from './schedule-tester.js';

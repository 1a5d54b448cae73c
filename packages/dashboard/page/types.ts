/** The JSON the dashboard's server sends (see the package README's API section); dates are ISO strings. */

export type RunStatus = 'running' | 'success' | 'fail' | 'skip' | 'singleton_rescheduled' | 'missed';

export interface RunView {
  jobId: string;
  jobName: string;
  scheduledAt: string;
  startedAt: string;
  endedAt?: string;
  status: RunStatus;
  error?: string;
  attempts?: number;
  replica: string;
  output?: string;
}

export interface ScheduleView {
  kind: string;
  /** The schedule as written: a cron expression, a duration, a list of times. */
  text: string;
  timeZone: string;
}

export interface JobView {
  id: string;
  name: string;
  tags: string[];
  schedule: ScheduleView;
  /** The schedule in English words. */
  description?: string;
  nextRuns: string[];
  /** Parallel to `nextRuns`: true for a run just after the zone changed its UTC offset. */
  dstShifted?: boolean[];
  lastRun: RunView | null;
  /** Paused on this replica's scheduler, by a local or a fleet-wide pause. */
  paused: boolean;
  /** Paused fleet-wide (with a fleet); a pause of this replica alone is `paused` without it. */
  fleetPaused?: boolean;
  running: boolean;
  /** The replica of the scheduler holding the job. */
  replica?: string;
}

/** The header's figures; fields the server does not send are derived from the job list. */
export interface StateView {
  started?: boolean;
  jobs?: number;
  running?: number;
  failuresLastHour?: number;
  readOnly?: boolean;
  /** With a fleet: its settings in milliseconds; null or absent without one. */
  fleet?: { heartbeatInterval: number; balance: boolean; balanceGrace: number } | null;
}

/** A live replica of the fleet (`GET api/replicas`). */
export interface ReplicaView {
  id: string;
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  lastSeen: string;
  /** Its clock minus the fleet server's, in milliseconds. */
  clockOffsetMs: number;
  /** One of the schedulers this dashboard serves. */
  self: boolean;
}

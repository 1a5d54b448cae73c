// Usage texts, one per command.

export const MAIN_HELP = `tscron: run crontabs and schedule files, each occurrence once across replicas

Usage:
  tscron run <file>...          run the jobs of crontabs and YAML/JSON schedule files
  tscron validate <file>...     print every problem as FILE:LINE:COLUMN: message
  tscron next <expression|file> list the next runs of a cron expression or of a file's jobs
  tscron list <file>...         each job: name, schedule, time zone, next run
  tscron exec <file> <job>      run one job once now; exit with its exit code

Options everywhere: --help, --version
Exit codes: 0 done, 1 runtime failure, 2 usage or configuration error.
Run "tscron <command> --help" for a command's options.
`;

export const COMMAND_HELP: Record<string, string> = {
  run: `Usage: tscron run <file>... [options]

Runs the jobs of the files until SIGTERM or SIGINT. Files ending in .yaml, .yml or .json are
schedule files; anything else is a crontab. An invalid file stops it before anything runs (exit 2).

Options:
  --locker URL              claim each run so that one replica runs it: memory: (default),
                            redis://, rediss://, postgres://, postgresql://, mysql://, nats://
                            (env TSCRON_LOCKER)
  --no-fleet                a redis://, rediss://, postgres:// or postgresql:// locker also makes
                            this process a replica of a fleet on the same server (heartbeats, the
                            live replicas and fleet-wide pause in the dashboard, catch-up of runs
                            the whole fleet missed) and records runs in a history shared by every
                            replica; --no-fleet turns both off. memory:, mysql:// and nats:// have
                            no fleet
  --balance                 spread occurrences evenly over the fleet's live replicas
  --heartbeat DUR           how often this replica heartbeats the fleet (default 5s); a replica
                            silent for 3 heartbeats is gone, a fleet-wide pause arrives within one
  --elector URL             only the leader runs jobs (same URL kinds; ?name=<lease> names the lease)
  --time-zone ZONE          zone of jobs whose file names none (default: the local zone)
  --replica ID              this replica's name, TSCRON_REPLICA in commands (default: host:pid)
  --json                    output as JSON lines: time, level, job, scheduledAt, stream, msg
  --quiet                   only job output and errors
  --debug                   also tscron's debug messages
  --watch                   reload when a file or its directory changes (ConfigMap symlink swaps too)
  --shutdown-timeout DUR    how long SIGTERM/SIGINT waits for running jobs (default 10s)
  --dashboard [HOST:]PORT   serve the web dashboard (default host 127.0.0.1; needs @tscron/dashboard)
  --dashboard-token T       the dashboard's bearer token (env TSCRON_DASHBOARD_TOKEN); required on
                            any host but loopback
  --metrics [HOST:]PORT     serve Prometheus metrics at /metrics (default host 127.0.0.1; needs
                            @tscron/prometheus and prom-client)

Signals: SIGTERM/SIGINT stop scheduling, signal running jobs and wait (exit 0); a second one kills
them (exit 1). SIGHUP reloads the files; an invalid file keeps the running schedule.
`,
  validate: `Usage: tscron validate <file>...

Checks schedule files and prints every problem as FILE:LINE:COLUMN: message.
Exit code 0 when all are valid, 2 otherwise.
`,
  next: `Usage: tscron next <expression|file> [options]

Lists the next runs of a cron expression (quote it) or of every job of a schedule file.

Options:
  -n, --count N             how many runs (default 5)
  --time-zone ZONE          zone the schedule is read in (default: the file's, else local)
  --seconds                 the expression has a leading seconds field
  --from ISO                list runs after this instant (default: now)
  --json                    print JSON
`,
  list: `Usage: tscron list <file>... [--time-zone ZONE] [--json]

Prints each job: name, schedule, time zone and next run.
`,
  exec: `Usage: tscron exec <file> <job> [--time-zone ZONE] [--replica ID]

Runs one job of a file once now, without a locker, and exits with its exit code (a job killed by a
signal: 128 + the signal's number; a timeout or a module that throws: 1).
`,
};

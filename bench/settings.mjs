// What the backend benchmarks share: numeric command-line options and the servers' URLs.

/** The number after `--name` on the command line, or `fallback`. */
export const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** POSTGRES_URL, with PGUSER (default `postgres`) as the user when the URL names none. */
export const postgresUrl = (() => {
  const url = new URL(process.env.POSTGRES_URL ?? 'postgres://127.0.0.1:5432/test');
  if (!url.username) url.username = process.env.PGUSER ?? 'postgres';
  return url.toString();
})();

/** MYSQL_URL: a MySQL 8 or MariaDB server, by default the machine's MariaDB. */
export const mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

// A redis-server of a bench's own on a spare loopback port, so that its command counts are the bench's alone.
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

function sparePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const reachable = (port) =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Starts a redis-server that keeps nothing on disk; resolves its port and a `stop()`. */
export async function startRedisServer() {
  const port = await sparePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const failed = new Promise((_, reject) => server.once('error', reject));
  for (let i = 0; i < 100 && !(await Promise.race([reachable(port), failed])); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, stop: () => server.kill('SIGKILL') };
}

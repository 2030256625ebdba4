// A TCP relay on loopback in front of a daemon, which a test can cut (every connection closed, new ones refused)
// and mend again: a network outage for one client while the daemon itself keeps running.
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Bytes sent from the daemon to the clients since the proxy started. */
  readonly bytesToClients: number;
  cut(): Promise<void>;
  mend(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let bytesToClients = 0;
  let server: net.Server | null = null;
  let port = 0;
  const listen = async (onPort: number) => {
    const s = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      sockets.add(client);
      sockets.add(upstream);
      upstream.on('data', (d: Buffer) => (bytesToClients += d.length));
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve, reject) => s.once('error', reject).listen(onPort, '127.0.0.1', () => resolve()));
    server = s;
    port = (s.address() as net.AddressInfo).port;
  };
  const close = async () => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s !== null) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen(0);
  return {
    get port() {
      return port;
    },
    get bytesToClients() {
      return bytesToClients;
    },
    cut: close,
    mend: () => listen(port),
    stop: close,
  };
}

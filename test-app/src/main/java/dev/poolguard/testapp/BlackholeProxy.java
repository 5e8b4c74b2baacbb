package dev.poolguard.testapp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 that can turn into a black hole for the connections it already carries (or reset them): it goes on
 * reading and discarding bytes in both directions, but forwards nothing and closes nothing, so neither the client nor
 * the server ever hears of it. New connections are forwarded normally. With an idle cut-off it does that by itself to
 * each connection that carried no byte for that long, as a stateful firewall or Docker swarm's ipvs does.
 * Public for the integration tests, which put it between an application server and the database.
 */
public final class BlackholeProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final List<Link> links = new CopyOnWriteArrayList<>();

    private BlackholeProxy(ServerSocket server, String targetHost, int targetPort) {
        this.server = server;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
    }

    public static BlackholeProxy start(String targetHost, int targetPort) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        BlackholeProxy proxy = new BlackholeProxy(server, targetHost, targetPort);
        Daemons.start("blackhole-proxy-accept", proxy::accept);
        return proxy;
    }

    /** A proxy that black-holes each connection idle for {@code idleCutoffMs}. */
    static BlackholeProxy withIdleCutoff(String targetHost, int targetPort, long idleCutoffMs) throws IOException {
        BlackholeProxy proxy = start(targetHost, targetPort);
        Daemons.start("blackhole-proxy-idle-timer", () -> proxy.cutIdle(idleCutoffMs));
        return proxy;
    }

    private void cutIdle(long idleCutoffMs) {
        while (!server.isClosed()) {
            long now = System.nanoTime();
            for (Link link : links) {
                if (now - link.lastTraffic >= idleCutoffMs * 1_000_000) {
                    link.blackholed = true;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    public String host() {
        return server.getInetAddress().getHostAddress();
    }

    public int port() {
        return server.getLocalPort();
    }

    public void blackholeExisting() {
        links.forEach(link -> link.blackholed = true);
    }

    /** Black-holes exactly one of the connections it carries (the oldest still open), as a flaky middlebox does. */
    void blackholeOne() {
        links.stream().filter(link -> !link.client.isClosed()).findFirst().ifPresent(link -> link.blackholed = true);
    }

    /** Resets every connection it carries, both ways (TCP RST, as a restarted firewall or load balancer sends). */
    void resetExisting() {
        links.forEach(Link::reset);
        links.clear();
    }

    @Override
    public void close() throws IOException {
        server.close();
        links.forEach(Link::close);
    }

    private void accept() {
        while (true) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                Link link = new Link(client, new Socket(targetHost, targetPort));
                links.add(link);
                link.start();
            } catch (IOException e) {
                System.err.println("blackhole proxy: cannot reach " + targetHost + ":" + targetPort + ": " + e);
                closeQuietly(client);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more to do for a socket we are dropping
        }
    }

    /** One proxied connection: a client socket, the server socket it is forwarded to, and a pump each way. */
    private static final class Link {
        private final Socket client;
        private final Socket upstream;
        volatile boolean blackholed;
        volatile long lastTraffic = System.nanoTime();

        Link(Socket client, Socket upstream) throws IOException {
            this.client = client;
            this.upstream = upstream;
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
        }

        void start() {
            int port = client.getPort();
            Daemons.start("blackhole-proxy-" + port + "-up", () -> pump(client, upstream));
            Daemons.start("blackhole-proxy-" + port + "-down", () -> pump(upstream, client));
        }

        private void pump(Socket from, Socket to) {
            byte[] buffer = new byte[8192];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    lastTraffic = System.nanoTime();
                    if (!blackholed) {
                        out.write(buffer, 0, n);
                    }
                }
            } catch (IOException e) {
                // the peer went away, or the proxy was closed: handled below like an end of stream
            }
            if (!blackholed) {
                close(); // pass the close on, as a direct connection would
            }
        }

        void close() {
            closeQuietly(client);
            closeQuietly(upstream);
        }

        void reset() {
            for (Socket socket : new Socket[] {client, upstream}) {
                try {
                    socket.setSoLinger(true, 0); // close with RST instead of FIN
                } catch (IOException ignored) {
                    // already closed: nothing to reset
                }
                closeQuietly(socket);
            }
        }
    }
}

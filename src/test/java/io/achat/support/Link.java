package io.achat.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on 127.0.0.1 to one port, which a test can cut and mend: cut, it closes every
 * connection through it and every new one at once, as a network that splits would break them;
 * mended, it forwards again. Cluster members that reach each other only through links can be
 * split and healed while both go on running.
 */
public final class Link implements AutoCloseable {

  private final ServerSocket server;
  private final int target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;

  private Link(int target) {
    this.target = target;
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    daemon(this::accept, "link to " + target);
  }

  /** A link that forwards what reaches {@link #port()} to {@code target} on 127.0.0.1. */
  public static Link to(int target) {
    return new Link(target);
  }

  /** The port that leads to the target. */
  public int port() {
    return server.getLocalPort();
  }

  /** Breaks every connection through this link, and each new one, until {@link #mend()}. */
  public void cut() {
    cut = true;
    open.forEach(Link::closeQuietly);
  }

  public void mend() {
    cut = false;
  }

  @Override
  public void close() {
    cut();
    closeQuietly(server);
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket in;
      try {
        in = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (cut) {
        closeQuietly(in);
        continue;
      }
      Socket out;
      try {
        out = new Socket(InetAddress.getLoopbackAddress(), target);
      } catch (IOException e) {
        closeQuietly(in);
        continue;
      }
      open.add(in);
      open.add(out);
      if (cut) { // cut while this one was connecting
        closeQuietly(in);
        closeQuietly(out);
        continue;
      }
      daemon(() -> pump(in, out), "link " + in.getPort() + " to " + target);
      daemon(() -> pump(out, in), "link " + target + " to " + in.getPort());
    }
  }

  /** Copies from one socket to the other until either ends, then closes both. */
  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream input = from.getInputStream(); OutputStream output = to.getOutputStream()) {
      int read;
      while ((read = input.read(buffer)) >= 0) {
        output.write(buffer, 0, read);
      }
    } catch (IOException e) {
      // closed on either side, or cut
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      open.remove(from);
      open.remove(to);
    }
  }

  private static void daemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // already closed
    }
  }
}

package io.achat.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A flood for {@code bench failover}: a user on a survivor sends lines to node 3's users as fast
 * as the server takes them, and reads what comes back, until closed.
 */
final class FailoverFlood implements AutoCloseable {

  private static final int LINES_PER_WRITE = 64;

  private final Socket socket;
  private final Thread writer;
  private final Thread reader;
  private volatile boolean flooding = true;

  private FailoverFlood(Socket socket, List<String> to) {
    this.socket = socket;
    byte[] lines = lines(to);
    writer = new Thread(() -> {
      try {
        OutputStream out = socket.getOutputStream();
        while (flooding) {
          out.write(lines); // blocks while the server holds the sender back
        }
      } catch (IOException e) {
        // closed
      }
    }, "failover-flood-writer");
    reader = reader(socket);
    writer.setDaemon(true);
  }

  /** Reads what comes to {@code socket} and lets it go, until it closes. */
  static void drain(Socket socket) throws IOException {
    socket.setSoTimeout(0);
    reader(socket).start();
  }

  private static Thread reader(Socket socket) {
    Thread reader = new Thread(() -> {
      try {
        byte[] buffer = new byte[65_536];
        while (socket.getInputStream().read(buffer) >= 0) {
          // the lines (the flood, error: not connected ...) are read and let go
        }
      } catch (IOException e) {
        // closed
      }
    }, "failover-reader");
    reader.setDaemon(true);
    return reader;
  }

  /** Logs {@code login} in on {@code port} and starts sending lines to every one of {@code to}. */
  static FailoverFlood start(int port, String login, List<String> to, long deadline) throws IOException {
    Socket socket = LoginTries.login(port, login, deadline);
    if (socket == null) {
      throw new IOException("'" + login + "' could not log in to flood");
    }
    socket.setSoTimeout(0);
    FailoverFlood flood = new FailoverFlood(socket, to);
    flood.writer.start();
    flood.reader.start();
    return flood;
  }

  private static byte[] lines(List<String> to) {
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < LINES_PER_WRITE; i++) {
      lines.append(String.join(",", to)).append(": a line of the flood ").append(i).append('\n');
    }
    return lines.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    flooding = false;
    socket.close();
    try {
      writer.join(TimeUnit.SECONDS.toMillis(5));
      reader.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

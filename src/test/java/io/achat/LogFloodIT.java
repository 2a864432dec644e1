package io.achat;

import io.achat.support.Background;
import io.achat.support.JarProcess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that send garbage cannot flood the log: the real jar, 40 clients writing random bytes
 * (each connection refused or cut off, then the next), half to the chat port and half to the
 * web port, for {@code achat.floodSeconds} (10 by
 * default; the README's figure is from 30).
 */
class LogFloodIT {

  private static final int CLIENTS = 40;
  private static final int MAX_LINES_PER_SECOND = 20;

  @Test
  void fortyClientsWritingRandomBytesLogAtMostTwentyLinesASecond() throws Exception {
    int seconds = Integer.getInteger("achat.floodSeconds", 10);
    try (JarProcess server = JarProcess.server()) {
      int port = server.port();
      int webPort = Integer.parseInt(server.output().stream()
        .map(java.util.regex.Pattern.compile("web page at http://[^:]+:(\\d+)/")::matcher)
        .filter(java.util.regex.Matcher::find).findFirst().orElseThrow().group(1));
      int before = server.output().size();
      long start = System.nanoTime();
      long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
      List<CompletableFuture<Long>> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        long seed = c;
        int to = c % 2 == 0 ? port : webPort;
        clients.add(Background.supply(() -> garbage(to, new Random(seed), deadline)));
      }
      long connections = 0;
      for (CompletableFuture<Long> client : clients) {
        connections += client.get(seconds + 60L, TimeUnit.SECONDS);
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      // (The summary of the last window comes after it: the windows before are in.)
      int lines = server.output().size() - before;
      double perSecond = lines / elapsed;
      System.out.printf("%d connections of random bytes in %.1f s: %d log lines, %.1f a second%n", connections, elapsed,
        lines, perSecond);
      assertThat(connections).as("connections made").isGreaterThan(CLIENTS);
      assertThat(perSecond).as("log lines a second").isLessThanOrEqualTo(MAX_LINES_PER_SECOND);
      server.signal("TERM");
      assertThat(server.exitStatus(30)).isZero();
    }
  }

  /** Connects, writes random bytes until the server closes the connection, again until the deadline. */
  private static long garbage(int port, Random random, long deadline) {
    long connections = 0;
    byte[] bytes = new byte[4096];
    byte[] sink = new byte[4096];
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(1000);
        connections++;
        InputStream in = socket.getInputStream();
        for (int i = 0; i < 8 && System.nanoTime() < deadline; i++) {
          random.nextBytes(bytes);
          socket.getOutputStream().write(bytes);
        }
        while (in.read(sink) >= 0) {
          // until the server closes it
        }
      } catch (IOException e) {
        // closed, reset or silent: the next connection
      }
    }
    return connections;
  }
}

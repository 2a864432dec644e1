package io.achat;

import io.achat.support.Background;
import io.achat.support.JarProcess;
import io.achat.support.LineClient;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real jar stopped and continued ({@code kill -STOP}, {@code kill -CONT}), as a long
 * collection, a throttled container or a migrated VM stops it: it keeps every logged-in client
 * that reads, idle or in the middle of a stream, and the stream arrives whole and in order. On
 * the native transport, the jar's default (on NIO see Stalls: best effort).
 */
class PauseIT {

  private static final int IDLE = 20;
  private static final long[] PAUSES = {1200, 3000, 10_000};

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aStoppedProcessDropsNobodyWhoReadsAndLosesNoLine() throws Exception {
    try (JarProcess server = JarProcess.start(Map.of(), List.of("-Xmx256m"),
      "-conf", "{\"host\":\"127.0.0.1\",\"port\":0}")) {
      int port = server.port();
      assertThat(server.output()).as("the transport it says it runs on")
        .anyMatch(line -> line.contains("transport: native (epoll)"));
      List<LineClient> idle = IntStream.range(0, IDLE)
        .mapToObj(i -> LineClient.login("127.0.0.1", port, "idle" + i)).toList();
      String everyone = String.join(",", idle.stream().map(LineClient::login).toList());
      try (LineClient watcher = LineClient.login("127.0.0.1", port, "watcher");
           LineClient sender = LineClient.login("127.0.0.1", port, "sender");
           LineClient receiver = LineClient.login("127.0.0.1", port, "receiver")) {
        watcher.sync();
        // A line every 2 ms, through every pause, until told to end.
        AtomicBoolean streaming = new AtomicBoolean(true);
        CompletableFuture<Integer> sent = Background.supply(() -> {
          int n = 0;
          while (streaming.get()) {
            sender.send("receiver: " + n++);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // the sender's pace, not a wait for the server
          }
          sender.send("receiver: end");
          return n;
        });
        CompletableFuture<List<String>> received = Background.supply(() -> {
          List<String> lines = new ArrayList<>();
          for (String line = receiver.readLine(); !"from sender: end".equals(line); line = receiver.readLine()) {
            assertThat(line).as("receiver's connection after %d lines", lines.size()).isNotNull();
            lines.add(line);
          }
          return lines;
        });
        for (long pause : PAUSES) {
          server.freeze(pause);
          watcher.send(everyone + ": still here after " + pause + " ms?");
          for (LineClient client : idle) {
            assertThat(client.readLine()).as("%s after a pause of %d ms", client.login(), pause)
              .isEqualTo("from watcher: still here after " + pause + " ms?");
          }
        }
        streaming.set(false);
        int count = Background.await(sent, 30);
        assertThat(Background.await(received, 60)).as("the stream through three pauses")
          .containsExactlyElementsOf(IntStream.range(0, count).mapToObj(i -> "from sender: " + i).toList());
        assertThat(count).isGreaterThan(5000);
      } finally {
        idle.forEach(LineClient::close);
      }
      assertThat(server.output()).as("the server's log").noneMatch(line -> line.contains("disconnected")
        || line.contains("took none of"));
    }
  }
}

package io.achat;

import io.achat.support.JarProcess;
import io.achat.support.LineClient;
import io.achat.support.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The book's "Clean Shutdown" against the real jar: a signal, every accepted message delivered, exit 0. */
class ShutdownIT {

  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT"})
  void aSignalDeliversEveryQueuedMessageThenExitsZero(String signal) throws Exception {
    int count = 5_000;
    String text = "z".repeat(1000);
    // Room for all of it: here bob is late, not a slow consumer to be cut off.
    try (JarProcess server = JarProcess.server("\"maxQueuedBytes\":67108864")) {
      int port = server.port();
      try (LineClient bob = LineClient.login("127.0.0.1", port, "bob", 4096);
           LineClient alice = LineClient.login("127.0.0.1", port, "alice")) {
        // bob reads nothing yet; about 5 MB are queued for him in the server.
        for (int i = 0; i < count; i++) {
          alice.send("bob: " + i + " " + text);
        }
        alice.sync(); // the broker has routed all of them

        server.signal(signal);
        server.await(Pattern.compile("shutting down"), 30);

        List<String> lines = bob.readUntilClosed();
        assertThat(lines).hasSize(count);
        for (int i = 0; i < count; i++) {
          assertThat(lines.get(i)).isEqualTo("from alice: " + i + " " + text);
        }
        assertThat(server.exitStatus(30)).isZero();
        assertThat(server.output()).anyMatch(line -> line.contains("a-chat stopped"));
      }
      assertThat(Ports.refused(port)).as("a connection to the closed port is refused").isTrue();
    }
  }

  @Test
  void aClientThatNeverReadsCannotHoldTheShutdownPastTheDrainTimeout() throws Exception {
    try (JarProcess server = JarProcess.server("\"drainTimeoutMillis\":2000,\"maxQueuedBytes\":67108864")) {
      int port = server.port();
      try (LineClient bob = LineClient.login("127.0.0.1", port, "bob", 4096);
           LineClient alice = LineClient.login("127.0.0.1", port, "alice")) {
        String text = "w".repeat(8000);
        for (int i = 0; i < 3_000; i++) {
          alice.send("bob: " + text);
        }
        alice.sync();
        long start = System.nanoTime();
        server.signal("TERM");
        assertThat(server.exitStatus(30)).isZero();
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertThat(seconds).as("shutdown took (drainTimeoutMillis is 2 s)").isLessThan(15);
        // Given up on at the drain deadline, or let go before it for taking nothing for 1.5 s.
        assertThat(server.output()).anyMatch(line -> line.contains("(bob) did not take its last messages in time")
          || line.matches(".*\\(bob\\) took none of the \\d+ bytes queued for it for 1500 ms; disconnected"));
      }
    }
  }
}

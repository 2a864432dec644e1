package io.achat.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of the chat as the tests drive it, whichever door it came in by: a TCP
 * {@link LineClient} or a {@link WsClient}. Every read has a timeout, so a missing line fails the
 * test instead of hanging it.
 */
public interface ChatSession extends AutoCloseable {

  /** The login this client has (once logged in or {@code named}). */
  String login();

  /** Sends one line. */
  ChatSession send(String line);

  /** The next line without its line end, or {@code null} once the server has closed the connection. */
  String readLine();

  @Override
  void close();

  /** Reads lines until the server closes the connection; fails if it does not. */
  default List<String> readUntilClosed() {
    List<String> lines = new ArrayList<>();
    for (String line = readLine(); line != null; line = readLine()) {
      lines.add(line);
    }
    return lines;
  }

  /** Sends a self-addressed token and reads up to its echo; returns the lines read before it. */
  default List<String> sync() {
    String token = "sync-" + Tokens.NEXT.incrementAndGet();
    send(login() + ": " + token);
    String expected = "from " + login() + ": " + token;
    List<String> before = new ArrayList<>();
    while (true) {
      String line = readLine();
      if (line == null) {
        throw new AssertionError(login() + ": connection closed while waiting for " + expected + " after " + before);
      }
      if (line.equals(expected)) {
        return before;
      }
      before.add(line);
    }
  }

  /**
   * Waits, by asking the broker, until {@code who} is no longer connected: each round trip goes
   * through the broker, so this waits on the broker, not on a clock; it gives up after 20 s (and
   * 100 rounds at least), since on a cluster the news comes from another node.
   */
  default void awaitGone(String who) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    for (int round = 0; round < 100 || System.nanoTime() < deadline; round++) {
      send(who + ": are you there?");
      if (sync().contains("error: not connected: " + who)) {
        return;
      }
    }
    throw new AssertionError(who + " is still connected after 20 s");
  }

  /** Numbers for {@link #sync}'s tokens, unique in the test JVM. */
  final class Tokens {
    private static final AtomicLong NEXT = new AtomicLong();

    private Tokens() {
    }
  }
}

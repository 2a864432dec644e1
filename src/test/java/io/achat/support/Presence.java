package io.achat.support;

import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client-side helpers for a cluster: a user who logged in on another node becomes known to this
 * one a moment later, and a login given back on one node is free on the others a moment later.
 * Each waits on round trips through the servers, not on a clock.
 */
public final class Presence {

  /** The text of the probe messages {@link #awaitSeen} sends; {@link #next} skips them. */
  public static final String PROBE = "presence probe";

  private Presence() {
  }

  /**
   * Waits until {@code from}'s node routes to {@code who}: each round trip goes through the
   * broker, so this waits on the broker, not on a clock; it gives up after 20 s (and 100 rounds
   * at least), since who is awaited may be a page reconnecting after its own back-off.
   */
  public static void awaitSeen(LineClient from, String who) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    for (int round = 0; round < 100 || System.nanoTime() < deadline; round++) {
      from.send(who + ": " + PROBE);
      if (!from.sync().contains("error: not connected: " + who)) {
        return;
      }
    }
    throw new AssertionError(who + " never became reachable");
  }

  /** The next line that is not a presence probe. */
  public static String next(LineClient client) {
    while (true) {
      String line = client.readLine();
      if (line == null || !line.endsWith(": " + PROBE)) {
        return line;
      }
    }
  }

  public static List<String> withoutProbes(List<String> lines) {
    return lines.stream().filter(line -> !line.endsWith(": " + PROBE)).toList();
  }

  /** Sends {@code login} and tells whether it was accepted: the accepted one gets its own message back. */
  public static boolean tryLogin(LineClient client, String login) {
    client.send(login);
    client.send(login + ": mine?");
    String answer = client.readLine();
    if (("from " + login + ": mine?").equals(answer)) {
      client.named(login);
      return true;
    }
    assertThat(answer).isEqualTo("error: login '" + login + "' is taken");
    return false;
  }

  /** Logs in with fresh connections from {@code connect}, again while the login is still taken. */
  public static LineClient loginRetrying(Supplier<LineClient> connect, String login, long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (System.nanoTime() < deadline) {
      LineClient client = connect.get();
      if (tryLogin(client, login)) {
        return client;
      }
      client.close();
    }
    throw new AssertionError(login + " is still taken after " + timeoutMillis + " ms");
  }
}

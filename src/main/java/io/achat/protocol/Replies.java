package io.achat.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** The lines the server sends, encoded as the bytes that go on the wire. */
public final class Replies {

  public static final String ERROR_PREFIX = "error: ";

  private Replies() {
  }

  /** {@code error: <reason>\n}: the kind of line the server adds to the book's protocol for every client. */
  public static byte[] error(String reason) {
    return (ERROR_PREFIX + reason + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Why a login was refused because another user has it. */
  public static String taken(String login) {
    return "login '" + login + "' is taken";
  }

  public static byte[] notConnected(List<String> names) {
    return error("not connected: " + String.join(", ", names));
  }

  /**
   * {@code online: a, b, c\n}: logins online, in the order given; with {@code more} &gt; 0 it ends
   * with {@code  (and N more)}. The answer to {@code /who}, and what a watcher is told.
   */
  public static byte[] online(Iterable<String> names, int more) {
    StringBuilder line = new StringBuilder("online: ");
    String separator = "";
    for (String name : names) {
      line.append(separator).append(name);
      separator = ", ";
    }
    if (more > 0) {
      line.append(" (and ").append(more).append(" more)");
    }
    return line.append('\n').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** {@code offline: name\n}: what a watcher is told when a name it watches is not online. */
  public static byte[] offline(String name) {
    return ("offline: " + name + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Past maxWatched names on one connection's watch list. */
  public static byte[] watchListFull(int maxWatched) {
    return error("watch list is full (" + maxWatched + ")");
  }

  public static byte[] lineTooLong(int maxBytes) {
    return error("line longer than " + maxBytes + " bytes");
  }
}
